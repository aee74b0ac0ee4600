import {
  buildLocalExamples,
  FEATURE_COUNT,
  HEAD_COUNT,
  meanPinball,
  OUTPUT_SIZE,
  QUANTILE_LEVELS,
  scoreForecasts,
  trainFromBase,
  type LocalTrainingResult,
  type LstmWeights,
  type SlotSeries,
} from "@kubewise/ml";

/** A round plan as the agent uses it (converted from RoundPlan at the wire). */
export type TrainTask = {
  kind: "train";
  roundId: string;
  baseModelVersion: string;
  base: LstmWeights;
  epochs: number;
  learningRate: number;
  batchSize: number;
  fedproxMu: number;
  clipNorm: number;
  dpNoiseMultiplier: number;
  seed: number;
  holdoutHours: number;
  historyDays: number;
  cpuSecondsBudget: number;
  quantileLevels: number[];
};

export type EvaluateTask = {
  kind: "evaluate";
  taskId: string;
  candidateVersion: string;
  candidate: LstmWeights;
  baselineVersion: string;
  baseline: LstmWeights;
  holdoutHours: number;
};

/** How many training windows the local history holds (round eligibility, reported with polls). */
export type CountTask = {
  kind: "count";
  historyDays: number;
  holdoutHours: number;
};

export type CountOutcome = { kind: "count"; trainableExamples: number };

export type TrainOutcome = LocalTrainingResult & {
  kind: "train";
  cpuSeconds: number;
  trainableExamples: number;
};

export type EvaluateOutcome = {
  kind: "evaluate";
  exampleCount: number;
  candidateLoss: number;
  baselineLoss: number;
  candidateLossPerQuantile: number[];
  baselineLossPerQuantile: number[];
};

/** Examples every 3 h per container; with 8 days of history that is ~56 windows a container. */
const STRIDE_SLOTS = 36;
/** Bounds one round's work (~0.5 ms CPU per example and epoch) whatever the node's size. */
const MAX_TRAIN_EXAMPLES = 2_000;

/** Why the agent cannot take part in a plan, or undefined when it can. */
export function checkTask(task: TrainTask | EvaluateTask): string | undefined {
  const models =
    task.kind === "train" ? [task.base] : [task.candidate, task.baseline];
  for (const m of models)
    if (m.inputSize !== FEATURE_COUNT || m.outputSize !== OUTPUT_SIZE)
      return `model has ${m.inputSize} inputs and ${m.outputSize} outputs; this agent builds ${FEATURE_COUNT} and scores ${OUTPUT_SIZE}`;
  if (task.kind === "evaluate") return undefined;
  const levels = task.quantileLevels;
  if (
    levels.length !== QUANTILE_LEVELS.length ||
    levels.some((l, k) => Math.abs(l - (QUANTILE_LEVELS[k] ?? 0)) > 1e-6)
  )
    return `plan quantiles [${levels.join(", ")}] differ from the model's heads [${QUANTILE_LEVELS.join(", ")}]`;
  return undefined;
}

export function runCountTask(
  series: readonly SlotSeries[],
  task: CountTask,
): CountOutcome {
  const { trainable } = buildLocalExamples(series, {
    historyDays: task.historyDays,
    holdoutHours: task.holdoutHours,
    strideSlots: STRIDE_SLOTS,
    maxTrainExamples: Number.POSITIVE_INFINITY,
    seed: 0,
  });
  return { kind: "count", trainableExamples: trainable };
}

/** Local training of one round within a CPU budget (`cpuSeconds` reads this process's CPU time). */
export function runTrainTask(
  series: readonly SlotSeries[],
  task: TrainTask,
  cpuSeconds: () => number,
): TrainOutcome {
  const startCpu = cpuSeconds();
  const data = buildLocalExamples(series, {
    strideSlots: STRIDE_SLOTS,
    historyDays: task.historyDays,
    holdoutHours: task.holdoutHours,
    maxTrainExamples: MAX_TRAIN_EXAMPLES,
    seed: task.seed,
  });
  if (data.train.length === 0)
    throw new Error("no training windows in the local history yet");
  const result = trainFromBase(
    task.base,
    { train: data.train, validation: data.validation },
    {
      epochs: task.epochs,
      learningRate: task.learningRate,
      batchSize: task.batchSize,
      fedproxMu: task.fedproxMu,
      clipNorm: task.clipNorm,
      dpNoiseMultiplier: task.dpNoiseMultiplier,
      seed: task.seed,
    },
    // Partial work is a valid FedProx update: stop at the budget, send what was done.
    { shouldStop: () => cpuSeconds() - startCpu >= task.cpuSecondsBudget },
  );
  return {
    kind: "train",
    ...result,
    cpuSeconds: cpuSeconds() - startCpu,
    trainableExamples: data.trainable,
  };
}

/** Both models on the newest windows this agent never trained on; only scalars leave the node. */
export function runEvaluateTask(
  series: readonly SlotSeries[],
  task: EvaluateTask,
): EvaluateOutcome {
  const { validation } = buildLocalExamples(series, {
    strideSlots: STRIDE_SLOTS,
    historyDays: 0,
    holdoutHours: task.holdoutHours,
    maxTrainExamples: 0,
    seed: 0,
  });
  if (validation.length === 0)
    throw new Error("no evaluation windows in the local history yet");
  const candidate = scoreForecasts(task.candidate, validation);
  const baseline = scoreForecasts(task.baseline, validation);
  const perHead = (s: typeof candidate) =>
    Array.from(
      { length: HEAD_COUNT },
      (_, j) => (s.lossSum[j] ?? 0) / s.examples,
    );
  return {
    kind: "evaluate",
    exampleCount: validation.length,
    candidateLoss: meanPinball(candidate),
    baselineLoss: meanPinball(baseline),
    candidateLossPerQuantile: perHead(candidate),
    baselineLossPerQuantile: perHead(baseline),
  };
}
