// bench:federated arms: central (pooled), local-only (per node), federated (FedAvg / FedProx, with
// or without Byzantine clients). Every arm trains with trainFromBase (same model, optimizer and
// batch size) on the same walk-forward windows; federated arms aggregate with aggregateDeltas,
// the aggregator's rule.
import type { TrainingSample } from "../../src/features/training-samples";
import { buildTrainingSamples } from "../../src/features/training-samples";
import {
  aggregateDeltas,
  DEFAULT_AGGREGATION,
  nextClipNorm,
  type ClientDelta,
} from "../../src/federated/aggregate";
import {
  evaluatePinball,
  trainFromBase,
  type LocalTrainingPlan,
} from "../../src/federated/local-train";
import {
  flattenWeights,
  parameterLayout,
  shapeOf,
  unflattenWeights,
} from "../../src/federated/parameters";
import {
  applyServerUpdate,
  type ServerOptimizerSettings,
  type ServerOptimizerState,
} from "../../src/federated/server-optimizer";
import type { LstmWeights } from "../../src/forecast/lstm-weights";
import { shuffleInPlace } from "../../src/forecast/seeded";
import { createRng } from "../../src/stats/rng";
import { DAY_S, examplesIn, nodeUtilisation, type BenchNode } from "./data";

type RoundContext = {
  index: number;
  /** Targets of training examples end at or before this time; the model is then tested after it. */
  atS: number;
  nodes: readonly BenchNode[];
  historyDays: number;
  strideSlots: number;
};

type ClientCost = {
  cpuSeconds: number;
  buildSeconds: number;
  examples: number;
};

export type Arm = {
  name: string;
  train(round: RoundContext): void;
  modelFor(node: BenchNode): LstmWeights;
  /** Baselines: the learning rate chosen on the warm-up rounds. */
  learningRate?: number;
  /** Local-only: the training nodes' own models, scored on nodes they never saw. */
  transplanted?: () => LstmWeights[];
  /** Federated arms: per client-round costs and per-round refusal counts. */
  costs: ClientCost[];
  refusals: Record<string, number>;
  trimmedRounds: number;
};

export type TrainingSettings = Omit<
  LocalTrainingPlan,
  "fedproxMu" | "clipNorm" | "dpNoiseMultiplier" | "seed"
> & {
  seed: number;
  /**
   * Learning rate of round r = learningRate x learningRateDecay^r (1 or absent: constant). The bench
   * passes the same decay to every arm so that the budgets stay matched.
   */
  learningRateDecay?: number;
};

/** The settings of one round: the learning rate decayed by the round index. */
function forRound(settings: TrainingSettings, index: number): TrainingSettings {
  const decay = settings.learningRateDecay ?? 1;
  return decay === 1
    ? settings
    : { ...settings, learningRate: settings.learningRate * decay ** index };
}

/** Examples whose targets end in the `historyDays` before the round (an agent's local window). */
function trainingWindow(
  round: RoundContext,
  members: BenchNode["members"],
): TrainingSample[] {
  const toS = round.atS - DAY_S;
  return examplesIn(members, toS - round.historyDays * DAY_S, toS + 1);
}

function plainPlan(
  settings: TrainingSettings,
  seed: number,
): LocalTrainingPlan {
  return {
    ...settings,
    fedproxMu: 0,
    clipNorm: Number.POSITIVE_INFINITY,
    dpNoiseMultiplier: 0,
    seed,
  };
}

function applyDelta(base: LstmWeights, delta: Float32Array): LstmWeights {
  const flat = flattenWeights(base);
  for (let k = 0; k < flat.length; k++)
    flat[k] = (flat[k] ?? 0) + (delta[k] ?? 0);
  return unflattenWeights(flat, shapeOf(base));
}

/** Central: one model trained on the pooled windows of every training node. */
export function createCentralArm(
  init: LstmWeights,
  settings: TrainingSettings,
): Arm {
  let model = init;
  return {
    name: "central",
    costs: [],
    refusals: {},
    trimmedRounds: 0,
    train(round) {
      const pooled = round.nodes
        .filter((n) => !n.heldBack)
        .flatMap((n) => trainingWindow(round, n.members));
      if (pooled.length === 0) return;
      const result = trainFromBase(
        model,
        { train: pooled, validation: [] },
        plainPlan(forRound(settings, round.index), settings.seed + round.index),
      );
      model = applyDelta(model, result.delta);
    },
    modelFor: () => model,
  };
}

/**
 * Local-only: every node (held-back ones too) trains its own model on its own windows: the personal
 * arm's loop with no global model to start from or pull towards.
 */
export function createLocalArm(
  init: LstmWeights,
  settings: TrainingSettings,
  nodes: readonly BenchNode[],
): Arm {
  const trainingIds = new Set(
    nodes.filter((n) => !n.heldBack).map((n) => n.id),
  );
  const arm = createPersonalArm("local", { modelFor: () => init }, settings, 0);
  return {
    ...arm,
    transplanted: () =>
      nodes
        .filter((n) => trainingIds.has(n.id))
        .flatMap((n) => {
          const own = arm.modelFor(n);
          return own === init ? [] : [own];
        }),
  };
}

export type FederatedSettings = {
  fedproxMu: number;
  initialClipNorm: number;
  byzantineFraction: number;
  /** Coordinate-wise trimmed fraction per end (the aggregator's trimFraction). */
  trimFraction: number;
  /** Next round's clip = this multiple of the median pre-clip norm. */
  clipMultiple: number;
  server: ServerOptimizerSettings;
  /**
   * Clustered federated learning: `count` global models (1 = plain FedAvg/FedProx). Round 1 puts
   * each node in the cluster of its utilisation level (equal shares of the training nodes by mean
   * CPU utilisation); with `assign: "loss"` every later round each node (held-back ones too) picks
   * the cluster model with the lowest pinball on its own window before training (IFCA, Ghosh et al.,
   * NeurIPS 2020); with "utilisation" the first assignment stays.
   */
  clusters?: { count: number; assign: "utilisation" | "loss" };
};

const ATTACKS = ["scaled", "sign-flip", "nan"] as const;

/** A Byzantine client's upload: scaled x20 (unclipped), sign-flipped x5 (clipped, 10x examples), or NaN. */
function corrupt(
  honest: ClientDelta,
  attack: (typeof ATTACKS)[number],
  clipNorm: number,
): ClientDelta {
  const delta = Float32Array.from(honest.delta);
  if (attack === "nan") {
    delta[0] = Number.NaN;
    return { ...honest, delta };
  }
  if (attack === "scaled")
    return { ...honest, delta: delta.map((v) => v * 20) };
  let norm = 0;
  for (const v of delta) norm += (5 * v) ** 2;
  const scale = Math.min(1, clipNorm / Math.sqrt(norm || 1));
  return {
    ...honest,
    exampleCount: honest.exampleCount * 10,
    delta: delta.map((v) => -5 * v * scale),
  };
}

/** CPU of rebuilding a node's examples from its raw 5-minute usage, as an agent does before training. */
function rebuildCost(round: RoundContext, node: BenchNode): number {
  const started = process.cpuUsage();
  const fromS = round.atS - (round.historyDays + 3) * DAY_S;
  for (const m of node.members) {
    const ts = m.series.timestampsS;
    let lo = 0;
    while (lo < ts.length && (ts[lo] ?? 0) < fromS) lo++;
    let hi = lo;
    while (hi < ts.length && (ts[hi] ?? 0) < round.atS) hi++;
    buildTrainingSamples(
      m.seriesId,
      {
        timestampsS: ts.subarray(lo, hi),
        cpuCores: m.series.cpu.subarray(lo, hi),
        memBytes: m.series.mem.subarray(lo, hi),
      },
      round.strideSlots,
    );
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

/** Cluster of each node by utilisation level: equal shares of the training nodes, thresholds between them. */
function utilisationClusters(
  nodes: readonly BenchNode[],
  count: number,
): Map<string, number> {
  const training = nodes
    .filter((n) => !n.heldBack)
    .map(nodeUtilisation)
    .sort((a, b) => a - b);
  const thresholds = Array.from(
    { length: count - 1 },
    (_, k) =>
      training[Math.floor(((k + 1) * training.length) / count)] ??
      Number.POSITIVE_INFINITY,
  );
  return new Map(
    nodes.map((n) => {
      const level = nodeUtilisation(n);
      return [n.id, thresholds.filter((t) => level >= t).length];
    }),
  );
}

/** The cluster model with the lowest pinball on `examples` (ties: the lower index). */
function bestCluster(
  models: readonly LstmWeights[],
  examples: readonly TrainingSample[],
): number {
  let best = 0;
  let bestLoss = Number.POSITIVE_INFINITY;
  models.forEach((model, k) => {
    const loss = evaluatePinball(
      flattenWeights(model),
      parameterLayout(shapeOf(model)),
      examples,
    );
    if (loss < bestLoss) {
      best = k;
      bestLoss = loss;
    }
  });
  return best;
}

/**
 * One federated round per call: every training node trains from its cluster's global model (one
 * cluster unless `federated.clusters` says otherwise); deltas aggregated per cluster.
 */
export function createFederatedArm(
  name: string,
  init: LstmWeights,
  options: {
    settings: TrainingSettings;
    federated: FederatedSettings;
    nodes: readonly BenchNode[];
    /** Rebuild each client's examples from raw usage too, to measure an agent's full round cost. */
    measureAgentCost?: boolean;
  },
): Arm {
  const { settings, federated } = options;
  const training = options.nodes.filter((n) => !n.heldBack);
  const byzantineCount = Math.round(
    federated.byzantineFraction * training.length,
  );
  const byzantine = new Map(
    shuffleInPlace(
      training.map((n) => n.id),
      createRng(settings.seed ^ 0xb12),
    )
      .slice(0, byzantineCount)
      .map((id, k) => [id, ATTACKS[k % ATTACKS.length] ?? "nan"] as const),
  );
  const clusterCount = federated.clusters?.count ?? 1;
  if (!(Number.isInteger(clusterCount) && clusterCount >= 1))
    throw new RangeError(`clusters ${clusterCount} must be an integer >= 1`);
  const models: LstmWeights[] = Array.from(
    { length: clusterCount },
    () => init,
  );
  const serverStates: (ServerOptimizerState | undefined)[] = [];
  const cluster =
    clusterCount === 1
      ? new Map<string, number>()
      : utilisationClusters(options.nodes, clusterCount);
  let clipNorm = federated.initialClipNorm;
  const arm: Arm = {
    name,
    costs: [],
    refusals: {},
    trimmedRounds: 0,
    train(round) {
      const uploads: ClientDelta[][] = models.map(() => []);
      const preClip: number[] = [];
      const reassign = federated.clusters?.assign === "loss" && round.index > 0;
      for (const node of round.nodes) {
        const own = trainingWindow(round, node.members);
        if (own.length === 0) continue;
        const buildSeconds =
          options.measureAgentCost === true && !node.heldBack
            ? rebuildCost(round, node)
            : 0;
        const started = process.cpuUsage();
        if (reassign) cluster.set(node.id, bestCluster(models, own));
        if (node.heldBack) continue;
        const k = cluster.get(node.id) ?? 0;
        const result = trainFromBase(
          models[k] ?? init,
          { train: own, validation: [] },
          {
            ...forRound(settings, round.index),
            fedproxMu: federated.fedproxMu,
            clipNorm,
            dpNoiseMultiplier: 0,
            seed: settings.seed + round.index,
          },
        );
        const used = process.cpuUsage(started);
        arm.costs.push({
          cpuSeconds: (used.user + used.system) / 1e6 + buildSeconds,
          buildSeconds,
          examples: own.length,
        });
        const honest = {
          clientId: node.id,
          delta: result.delta,
          exampleCount: result.exampleCount,
        };
        const attack = byzantine.get(node.id);
        uploads[k]?.push(
          attack === undefined ? honest : corrupt(honest, attack, clipNorm),
        );
        // A Byzantine client lies about its pre-clip norm too; the median shrugs off a minority.
        preClip.push(attack === undefined ? result.preClipNorm : 1e6);
      }
      if (preClip.length === 0) return;
      uploads.forEach((clusterUploads, k) => {
        const base = models[k];
        if (clusterUploads.length === 0 || base === undefined) return;
        const { delta, report } = aggregateDeltas(clusterUploads, {
          ...DEFAULT_AGGREGATION,
          trimFraction: federated.trimFraction,
          parameterCount: flattenWeights(base).length,
          clipNorm,
          dpNoiseMultiplier: 0,
        });
        for (const r of report.refused)
          arm.refusals[r.reason] = (arm.refusals[r.reason] ?? 0) + 1;
        if (report.rule === "trimmed-mean") arm.trimmedRounds++;
        if (delta) {
          const next = applyServerUpdate(
            flattenWeights(base),
            delta,
            federated.server,
            serverStates[k],
          );
          models[k] = unflattenWeights(next.params, shapeOf(base));
          serverStates[k] = next.state;
        }
      });
      const median = nextClipNorm(preClip, {
        min: 1e-3,
        max: 100,
        fallback: clipNorm / federated.clipMultiple,
      });
      clipNorm = federated.clipMultiple * median;
    },
    modelFor: (node) => models[cluster.get(node.id) ?? 0] ?? init,
  };
  return arm;
}

/**
 * Ditto-style personalisation (Li et al., "Ditto: Fair and Robust Federated Learning Through
 * Personalization", ICML 2021) on top of a federated arm: every node (held-back ones too, which never
 * upload) keeps a personal model that continues on its own window each round, starting from the
 * global model the first time, with a FedProx pull of `mu` towards the current global model. It
 * reads `global` after that arm trained this round (run it after the federated arm); only the
 * global model is shared.
 */
export function createPersonalArm(
  name: string,
  global: Pick<Arm, "modelFor">,
  settings: TrainingSettings,
  mu: number,
): Arm {
  const personal = new Map<string, LstmWeights>();
  const arm: Arm = {
    name,
    costs: [],
    refusals: {},
    trimmedRounds: 0,
    train(round) {
      for (const node of round.nodes) {
        const own = trainingWindow(round, node.members);
        if (own.length === 0) continue;
        const anchor = global.modelFor(node);
        const start = personal.get(node.id) ?? anchor;
        const started = process.cpuUsage();
        const result = trainFromBase(
          start,
          { train: own, validation: [] },
          {
            ...plainPlan(
              forRound(settings, round.index),
              settings.seed + round.index,
            ),
            fedproxMu: mu,
          },
          { anchor },
        );
        const used = process.cpuUsage(started);
        arm.costs.push({
          cpuSeconds: (used.user + used.system) / 1e6,
          buildSeconds: 0,
          examples: own.length,
        });
        personal.set(node.id, applyDelta(start, result.delta));
      }
    },
    modelFor: (node) => personal.get(node.id) ?? global.modelFor(node),
  };
  return arm;
}
