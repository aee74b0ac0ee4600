import {
  applyMemoryFloor,
  capStep,
  DEFAULT_MAX_STEP_RATIO,
  getApplySupport,
  type ContainerResources,
} from "@kubewise/core";
import {
  getRollbackMemoryFloors,
  getUsageHistoryColumns,
  listContainersInCluster,
  listOpenAnomaliesForContainers,
  type AnomalyRow,
  type ContainerWithWorkload,
  type UsageHistoryColumns,
} from "@kubewise/db";
import { createVpaRecommender, type Recommender } from "@kubewise/ml";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { adviseContainer, restatePublished, withSizingRules } from "./advice";
import { coordinateValues, loadPassHpas, type PassHpas } from "./hpa-plan";
import { persistChunk, type PersistInput } from "./publish";
import {
  GenerateRecommendationsInputSchema,
  type GenerateRecommendationsInput,
} from "./schemas";
import { signalsEvidence } from "./sizing-rules";
import { gatherSizingSignals } from "./sizing-signals";
import { fromContainerRow, toRecommendationValues } from "./to-resources";

export type GenerateRecommendationsResult = {
  created: number;
  unchanged: number;
  insufficientHistory: number;
  superseded: number;
  /** HPAs whose target workload Kubewise has no containers for (each logged with its reason). */
  hpasWithoutWorkload: number;
};

function averageUsage(history: UsageHistoryColumns): {
  cpuMillicores: number;
  memoryBytes: number;
} {
  const n = Math.max(1, history.length);
  let cpuSum = 0;
  let memorySum = 0;
  for (let i = 0; i < history.length; i++) {
    cpuSum += history.cpuUsageCoresAvg[i] ?? Number.NaN;
    memorySum += history.memoryWorkingSetBytesMax[i] ?? Number.NaN;
  }
  const cpu = cpuSum / n;
  const memory = memorySum / n;
  return {
    cpuMillicores: Math.round(cpu * 1000),
    memoryBytes: Math.round(memory),
  };
}

/** The aggregator's recommender loop body: one new recommendation per container whose advice changed. */
export async function generateRecommendations({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GenerateRecommendationsInput;
}): Promise<GenerateRecommendationsResult> {
  authorize(ctx, "generateRecommendations");
  const { clusterId, now, historyWindowSeconds } = parseInput(
    GenerateRecommendationsInputSchema,
    input,
  );
  // VPA is the pure baseline; the aggregator injects the "kubewise" recommender (it needs ONNX).
  const recommender = ctx.ports.recommender ?? createVpaRecommender();
  const result: GenerateRecommendationsResult = {
    created: 0,
    unchanged: 0,
    insufficientHistory: 0,
    superseded: 0,
    hpasWithoutWorkload: 0,
  };
  const from = new Date(now.getTime() - historyWindowSeconds * 1000);
  const targets = await listContainersInCluster(ctx.db, clusterId);
  const hpas = await loadPassHpas(ctx, clusterId, targets);
  result.hpasWithoutWorkload = hpas.orphans.length;
  for (const target of targets) {
    const history = (
      await getUsageHistoryColumns(ctx.db, {
        containerIds: [target.container.id],
        from,
        to: now,
      })
    ).get(target.container.id);
    if (history === undefined) throw new Error("no history entry");
    const anomalies = await listOpenAnomaliesForContainers(ctx.db, [
      target.container.id,
    ]);
    const [outcome] = await recommendContainers(ctx, {
      recommender,
      items: [
        {
          target,
          history,
          anomalies: anomalies.get(target.container.id) ?? [],
        },
      ],
      from,
      now,
      hpas,
    });
    if (outcome !== undefined) addOutcome(result, outcome);
  }
  ctx.logger.info({ clusterId, ...result }, "recommendations generated");
  return result;
}

export type ContainerRecommendationOutcome =
  | { kind: "insufficient-history" }
  | { kind: "written"; created: boolean; superseded: number };

export function addOutcome(
  result: GenerateRecommendationsResult,
  outcome: ContainerRecommendationOutcome,
): void {
  if (outcome.kind === "insufficient-history") {
    result.insufficientHistory += 1;
    return;
  }
  result.created += outcome.created ? 1 : 0;
  result.unchanged += outcome.created ? 0 : 1;
  result.superseded += outcome.superseded;
}

/** One container of a pass's chunk: its history (rollups in [from, now)) and open anomalies. */
export type RecommendItem = {
  target: ContainerWithWorkload;
  history: UsageHistoryColumns;
  anomalies: readonly AnomalyRow[];
};

/**
 * A chunk of a pass: for each container the recommender's advice from its history, the sizing
 * rules, and a new version written when it changed materially. The chunk's reads are one query per
 * kind of row and its writes one transaction of set-based statements. Outcomes in `items` order.
 * The caller authorizes.
 */
export async function recommendContainers(
  ctx: ServiceContext,
  input: {
    recommender: Recommender;
    items: readonly RecommendItem[];
    from: Date;
    now: Date;
    /** The pass's HPAs (hpa-plan.ts loadPassHpas). */
    hpas: PassHpas;
  },
): Promise<ContainerRecommendationOutcome[]> {
  const { recommender, items, from, now } = input;
  const floors = await getRollbackMemoryFloors(
    ctx.db,
    items
      .filter((i) => getApplySupport(i.target.workload.kind).supported)
      .map((i) => i.target.container.id),
  );
  const stepRatios = new Map<string, Promise<number>>();
  const stepRatio = (namespace: string): Promise<number> => {
    let ratio = stepRatios.get(namespace);
    if (ratio === undefined) {
      ratio = Promise.resolve(ctx.ports.maxStepRatio?.(namespace)).then(
        (r) => r ?? DEFAULT_MAX_STEP_RATIO,
      );
      stepRatios.set(namespace, ratio);
    }
    return ratio;
  };
  const outcomes: ContainerRecommendationOutcome[] = [];
  const writes: { index: number; input: PersistInput }[] = [];
  for (const { target, history, anomalies } of items) {
    const advice = adviseContainer(recommender, { target, history, now });
    if (advice === null) {
      outcomes.push({ kind: "insufficient-history" });
      continue;
    }
    const signals = gatherSizingSignals({ target, history, anomalies, now });
    const recommendation = withSizingRules(
      advice.fresh,
      signals,
      advice.restate,
    );
    const values = coordinateValues({
      values: toRecommendationValues(
        recommendation,
        await toApplicableStep(target, {
          floor: floors.get(target.container.id),
          ratio: stepRatio(target.workload.namespace),
        }),
      ),
      target,
      ...(await input.hpas.forTarget(target)),
    });
    writes.push({
      index: outcomes.length,
      input: {
        target,
        values: {
          ...values,
          evidence: {
            ...values.evidence,
            policy: recommender.name,
            historyFrom: from.toISOString(),
            rollups: history.length,
            ...signalsEvidence(signals),
          },
        },
        policy: recommender.name,
        usage: averageUsage(history),
        now,
        restate: restatePublished(advice, recommendation),
      },
    });
    outcomes.push({ kind: "written", created: false, superseded: 0 });
  }
  if (writes.length === 0) return outcomes;
  const written = await withTransaction(ctx, (tx) =>
    persistChunk(
      tx,
      writes.map((w) => w.input),
    ),
  );
  writes.forEach((w, i) => {
    const outcome = written[i];
    if (outcome !== undefined)
      outcomes[w.index] = { kind: "written", ...outcome };
  });
  return outcomes;
}

/**
 * What a recommendation may ask of a container that Kubewise can apply it to: never below the
 * memory floor an OOM rollback left, and no decrease beyond the namespace's step cap from what the
 * container runs with now (the controller enforces both again before it applies).
 */
async function toApplicableStep(
  target: ContainerWithWorkload,
  caps: { floor: number | undefined; ratio: Promise<number> },
): Promise<(resources: ContainerResources) => ContainerResources> {
  if (!getApplySupport(target.workload.kind).supported) return (r) => r;
  const ratio = await caps.ratio;
  const current = fromContainerRow(target.container);
  return (resources) =>
    capStep(current, applyMemoryFloor(resources, caps.floor), ratio);
}
