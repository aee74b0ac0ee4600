import {
  applyMemoryFloor,
  applyRecommendationEvent,
  capStep,
  computeProjectedSavings,
  DEFAULT_MAX_STEP_RATIO,
  DEFAULT_PRICE,
  getApplySupport,
  type ContainerResources,
} from "@kubewise/core";
import {
  getLatestRecommendationInPhase,
  getNextRecommendationVersion,
  getRollbackMemoryFloor,
  getSafetyConfig,
  getUsageHistory,
  insertRecommendation,
  insertRecommendationEvent,
  listContainersInCluster,
  listOpenRecommendationsForContainer,
  updateRecommendationPhase,
  type ContainerWithWorkload,
  type RecommendationRow,
  type UsageHistoryRow,
} from "@kubewise/db";
import { createVpaRecommender, type UsageChunk } from "@kubewise/ml";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { auditSubject } from "./internal";
import { supersedeDecision } from "./materiality";
import {
  GenerateRecommendationsInputSchema,
  type GenerateRecommendationsInput,
} from "./schemas";
import {
  fromContainerRow,
  toRecommendationValues,
  type RecommendationValues,
} from "./to-resources";

const ROLLUP_SECONDS = 300;

export type GenerateRecommendationsResult = {
  created: number;
  unchanged: number;
  insufficientHistory: number;
  superseded: number;
};

function toChunk(history: UsageHistoryRow[]): UsageChunk {
  return {
    timestampsS: Float64Array.from(history, (h) => h.bucket.getTime() / 1000),
    cpuCores: Float64Array.from(history, (h) => h.cpuUsageCoresAvg),
    memBytes: Float64Array.from(history, (h) => h.memoryWorkingSetBytesMax),
  };
}

function averageUsage(history: UsageHistoryRow[]): {
  cpuMillicores: number;
  memoryBytes: number;
} {
  const n = Math.max(1, history.length);
  const cpu = history.reduce((sum, h) => sum + h.cpuUsageCoresAvg, 0) / n;
  const memory =
    history.reduce((sum, h) => sum + h.memoryWorkingSetBytesMax, 0) / n;
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
  };
  const from = new Date(now.getTime() - historyWindowSeconds * 1000);
  for (const target of await listContainersInCluster(ctx.db, clusterId)) {
    const history = await getUsageHistory(ctx.db, {
      containerId: target.container.id,
      from,
      to: now,
    });
    const session = recommender.start({
      seriesId: target.container.id,
      sampleIntervalS: ROLLUP_SECONDS,
    });
    if (history.length > 0) session.observe(toChunk(history));
    for (const h of history)
      if (h.oomKillCountSum > 0)
        session.observeOom?.(h.bucket.getTime() / 1000);
    const outcome = session.recommend(now.getTime() / 1000);
    if (outcome.kind === "insufficient-history") {
      result.insufficientHistory += 1;
      continue;
    }
    const adjust = await toApplicableStep(ctx, target);
    const values = toRecommendationValues(outcome.recommendation, adjust);
    const written = await withTransaction(ctx, (tx) =>
      persist(tx, {
        target,
        values,
        policy: recommender.name,
        usage: averageUsage(history),
        now,
      }),
    );
    result.created += written.created ? 1 : 0;
    result.unchanged += written.created ? 0 : 1;
    result.superseded += written.superseded;
  }
  ctx.logger.info({ clusterId, ...result }, "recommendations generated");
  return result;
}

/**
 * What a recommendation may ask of a container that Kubewise can apply it to: never below the
 * memory floor an OOM rollback left, and no decrease beyond the namespace's step cap from what the
 * container runs with now (the controller enforces both again before it applies).
 */
async function toApplicableStep(
  ctx: ServiceContext,
  target: ContainerWithWorkload,
): Promise<(resources: ContainerResources) => ContainerResources> {
  if (!getApplySupport(target.workload.kind).supported) return (r) => r;
  const floor = await getRollbackMemoryFloor(ctx.db, target.container.id);
  const ratio =
    (await ctx.ports.maxStepRatio?.(target.workload.namespace)) ??
    DEFAULT_MAX_STEP_RATIO;
  const current = fromContainerRow(target.container);
  return (resources) =>
    capStep(current, applyMemoryFloor(resources, floor), ratio);
}

/** A kind Kubewise cannot patch still gets its advice, refused for apply with the reason. */
function describeApply(
  kind: string,
  reason: string,
): { eventReason: string; audit: Record<string, unknown> } {
  const support = getApplySupport(kind);
  if (support.supported)
    return { eventReason: reason, audit: { applySupported: true } };
  return {
    eventReason: `advice only: ${support.reason}; ${reason}`,
    audit: { applySupported: false, applyRefusedReason: support.reason },
  };
}

type PersistInput = {
  target: ContainerWithWorkload;
  values: Required<RecommendationValues>;
  policy: string;
  usage: { cpuMillicores: number; memoryBytes: number };
  now: Date;
};

async function persist(
  tx: ServiceContext,
  { target, values, policy, usage, now }: PersistInput,
): Promise<{ created: boolean; superseded: number }> {
  const { container, workload } = target;
  const open = await listOpenRecommendationsForContainer(tx.db, container.id);
  // Only Pending recommendations are replaced: an Approved one proceeds to apply, and a material
  // change after approval queues as a new Pending one that says what changed.
  const pending = open.filter((r) => r.phase === "Pending");
  const newest = (rows: RecommendationRow[]): RecommendationRow | undefined =>
    rows.reduce<RecommendationRow | undefined>(
      (a, r) => (a === undefined || r.version > a.version ? r : a),
      undefined,
    );
  const reference =
    newest(pending) ??
    newest(open) ??
    (await getLatestRecommendationInPhase(tx.db, container.id, "Rejected"));
  const safety = await getSafetyConfig(
    tx.db,
    workload.clusterId,
    workload.namespace,
  );
  const decision = reference
    ? supersedeDecision({
        previous: reference,
        next: { ...values, policy },
        autoApplyMinConfidence: safety?.autoApplyEnabled
          ? safety.autoApplyMinConfidence
          : null,
      })
    : { replace: true, reason: "first recommendation for this container" };
  if (!decision.replace) return { created: false, superseded: 0 };
  const reason = reference
    ? `${decision.reason} (against v${reference.version}, ${reference.phase})`
    : decision.reason;
  const delta = computeProjectedSavings({
    current: {
      cpuMillicores: container.cpuRequestMillicores ?? 0,
      memoryBytes: container.memoryRequestBytes ?? 0,
    },
    recommended: {
      cpuMillicores: values.cpuRequestMillicores,
      memoryBytes: values.memoryRequestBytes,
    },
    usage,
    price: tx.price ?? DEFAULT_PRICE,
  });
  const version = await getNextRecommendationVersion(tx.db, container.id);
  const created = await insertRecommendation(tx.db, {
    ...values,
    clusterId: workload.clusterId,
    containerId: container.id,
    version,
    policy,
    projectedMonthlySavingsMicroUsd: delta.savingsMonthlyMicroUsd,
    createdAt: now,
    updatedAt: now,
  });
  const apply = describeApply(workload.kind, reason);
  await insertRecommendationEvent(tx.db, {
    recommendationId: created.id,
    fromPhase: null,
    toPhase: "Pending",
    actor: tx.actor.userId,
    reason: apply.eventReason,
    createdAt: now,
  });
  for (const old of pending) {
    const next = applyRecommendationEvent(
      { phase: old.phase },
      {
        type: "supersede",
        actorId: tx.actor.userId,
        supersededById: created.id,
      },
    );
    await updateRecommendationPhase(tx.db, {
      id: old.id,
      fromPhase: old.phase,
      toPhase: next.phase,
      at: now,
    });
    await insertRecommendationEvent(tx.db, {
      recommendationId: old.id,
      fromPhase: old.phase,
      toPhase: next.phase,
      actor: tx.actor.userId,
      reason: `superseded by ${created.id}`,
      createdAt: now,
    });
  }
  await recordAudit(
    { ...tx, actorId: tx.actor.userId },
    {
      clusterId: workload.clusterId,
      action: "recommendation.create",
      subject: auditSubject(created.id),
      payload: {
        namespace: workload.namespace,
        workload: workload.name,
        container: container.name,
        policy,
        version,
        supersededIds: pending.map((r) => r.id),
        reason,
        ...apply.audit,
        ...delta,
      },
    },
  );
  return { created: true, superseded: pending.length };
}
