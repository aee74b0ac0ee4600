// The aggregator's recommendation pass: each container's history is read once per pass (a chunk
// of containers per query) and serves both the anomaly detectors (its last anomaly window) and the
// recommender (the whole recommendation window). Anomalies go first, so a leak found in this pass
// already guards the memory the recommendation asks for.
import { z } from "zod";

import {
  emptyUsageHistoryColumns,
  getUsageHistoryColumns,
  listContainersInCluster,
  passShardOf,
  sliceUsageHistoryColumns,
  type ContainerWithWorkload,
  type PassShardLeases,
  type UsageHistoryColumns,
} from "@kubewise/db";
import { createVpaRecommender } from "@kubewise/ml";

import {
  detectChunkAnomalies,
  type DetectAnomaliesResult,
} from "../anomalies/detect";
import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import {
  addOutcome,
  recommendContainers,
  type GenerateRecommendationsResult,
} from "./generate";
import { loadPassHpas, type PassHpas } from "./hpa-plan";

export const RunRecommendationPassInputSchema = z
  .object({
    clusterId: z.uuid(),
    now: z.date(),
    recommendWindowSeconds: z
      .number()
      .int()
      .min(3600)
      .max(90 * 86_400)
      .default(8 * 86_400),
    anomalyWindowSeconds: z
      .number()
      .int()
      .min(3600)
      .max(30 * 86_400)
      .default(3 * 86_400),
    /** Containers per history query. */
    chunkSize: z.number().int().min(1).max(2_000).default(200),
  })
  .refine((i) => i.anomalyWindowSeconds <= i.recommendWindowSeconds, {
    message: "must not exceed recommendWindowSeconds",
    path: ["anomalyWindowSeconds"],
  });
export type RunRecommendationPassInput = z.input<
  typeof RunRecommendationPassInputSchema
>;

export type RecommendationPassResult = GenerateRecommendationsResult &
  DetectAnomaliesResult & {
    /** With shards: those this replica ran, and those another replica held the lease of. */
    shardsRun?: number;
    shardsBusy?: number;
    replicas?: number;
  };

export type PassProgress = { done: number; total: number };

/**
 * A pass over the cluster's containers; with `shards`, over those of this replica's shards only
 * (each worked on under the shard's lease, skipped when another replica holds it).
 */
export async function runRecommendationPass({
  ctx,
  input,
  shards,
  onProgress,
}: {
  ctx: ServiceContext;
  input: RunRecommendationPassInput;
  shards?: Pick<PassShardLeases, "count" | "assigned" | "withLease">;
  onProgress?: (progress: PassProgress) => void;
}): Promise<RecommendationPassResult> {
  authorize(ctx, "runRecommendationPass");
  const parsed = parseInput(RunRecommendationPassInputSchema, input);
  const all = await listContainersInCluster(ctx.db, parsed.clusterId);
  const result = emptyPassResult();
  // Matched against the whole cluster: a workload's containers may fall into different shards.
  const hpas = await loadPassHpas(ctx, parsed.clusterId, all);
  result.hpasWithoutWorkload = hpas.orphans.length;
  if (shards === undefined) {
    await passOverContainers(ctx, {
      ...parsed,
      targets: all,
      result,
      hpas,
      onChunk: (done) => onProgress?.({ done, total: all.length }),
    });
    return result;
  }
  const { shards: mine, members } = await shards.assigned();
  const groups = mine.map((shard) => ({
    shard,
    targets: all.filter(
      (t) => passShardOf(t.container.id, shards.count) === shard,
    ),
  }));
  const total = groups.reduce((n, g) => n + g.targets.length, 0);
  let before = 0;
  Object.assign(result, { shardsRun: 0, shardsBusy: 0, replicas: members });
  for (const { shard, targets } of groups) {
    const ran = await shards.withLease(shard, () =>
      passOverContainers(ctx, {
        ...parsed,
        targets,
        result,
        hpas,
        onChunk: (done) => onProgress?.({ done: before + done, total }),
      }),
    );
    before += targets.length;
    if (ran.ran) result.shardsRun = (result.shardsRun ?? 0) + 1;
    else result.shardsBusy = (result.shardsBusy ?? 0) + 1;
  }
  return result;
}

function emptyPassResult(): RecommendationPassResult {
  return {
    created: 0,
    unchanged: 0,
    insufficientHistory: 0,
    superseded: 0,
    hpasWithoutWorkload: 0,
    opened: 0,
    resolved: 0,
    stillOpen: 0,
    containers: 0,
  };
}

type PassSettings = z.output<typeof RunRecommendationPassInputSchema>;

/** Anomalies then recommendations for `targets`, adding to `result`; onChunk(containers done). */
async function passOverContainers(
  ctx: ServiceContext,
  input: PassSettings & {
    targets: readonly ContainerWithWorkload[];
    result: RecommendationPassResult;
    hpas: PassHpas;
    onChunk?: (done: number) => Promise<void> | void;
  },
): Promise<void> {
  const { targets, result, now, hpas } = input;
  // VPA is the pure baseline; the aggregator injects the "kubewise" recommender (it needs ONNX).
  const recommender = ctx.ports.recommender ?? createVpaRecommender();
  const from = new Date(now.getTime() - input.recommendWindowSeconds * 1000);
  const anomalyFromMs = now.getTime() - input.anomalyWindowSeconds * 1000;
  for (let start = 0; start < targets.length; start += input.chunkSize) {
    const chunk = targets.slice(start, start + input.chunkSize);
    const histories = await getUsageHistoryColumns(ctx.db, {
      containerIds: chunk.map((t) => t.container.id),
      from,
      to: now,
    });
    const items = chunk.map((target) => ({
      target,
      history: histories.get(target.container.id) ?? emptyUsageHistoryColumns(),
    }));
    // Anomalies first, written before the recommendations: a leak found now guards their memory.
    const anomalies = await detectChunkAnomalies(ctx, {
      items: items.map(({ target, history }) => ({
        target,
        history: sinceMs(history, anomalyFromMs),
      })),
      now,
    });
    result.opened += anomalies.counts.opened;
    result.resolved += anomalies.counts.resolved;
    result.stillOpen += anomalies.counts.stillOpen;
    result.containers += chunk.length;
    const outcomes = await recommendContainers(ctx, {
      recommender,
      items: items.map(({ target, history }) => ({
        target,
        history,
        anomalies: anomalies.open.get(target.container.id) ?? [],
      })),
      from,
      now,
      hpas,
    });
    for (const outcome of outcomes) addOutcome(result, outcome);
    await input.onChunk?.(start + chunk.length);
  }
}

/** The rows at or after fromMs of a bucket-ordered history (a view of its tail). */
function sinceMs(
  history: UsageHistoryColumns,
  fromMs: number,
): UsageHistoryColumns {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((history.bucketMs[mid] ?? 0) < fromMs) lo = mid + 1;
    else hi = mid;
  }
  return sliceUsageHistoryColumns(history, lo);
}
