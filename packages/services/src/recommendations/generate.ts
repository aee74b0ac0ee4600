import {
  applyMemoryFloor,
  applyRecommendationEvent,
  capStep,
  computeProjectedSavings,
  DEFAULT_MAX_STEP_RATIO,
  DEFAULT_PRICE,
  getApplySupport,
  type ApplySupport,
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
import {
  createVpaRecommender,
  type Recommender,
  type Restatement,
} from "@kubewise/ml";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { adviseContainer, restatePublished, withSizingRules } from "./advice";
import { applySupportOf } from "./apply-support";
import {
  coordinateValues,
  hpaPlanChange,
  loadPassHpas,
  type PassHpas,
} from "./hpa-plan";
import { auditSubject } from "./internal";
import { supersedeDecision } from "./materiality";
import {
  GenerateRecommendationsInputSchema,
  type GenerateRecommendationsInput,
} from "./schemas";
import { signalsEvidence } from "./sizing-rules";
import { gatherSizingSignals } from "./sizing-signals";
import {
  fromContainerRow,
  toRecommendationValues,
  type RecommendationValues,
} from "./to-resources";

export type GenerateRecommendationsResult = {
  created: number;
  unchanged: number;
  insufficientHistory: number;
  superseded: number;
  /** HPAs whose target workload Kubewise has no containers for (each logged with its reason). */
  hpasWithoutWorkload: number;
};

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
    hpasWithoutWorkload: 0,
  };
  const from = new Date(now.getTime() - historyWindowSeconds * 1000);
  const targets = await listContainersInCluster(ctx.db, clusterId);
  const hpas = await loadPassHpas(ctx, clusterId, targets);
  result.hpasWithoutWorkload = hpas.orphans.length;
  for (const target of targets) {
    const history = await getUsageHistory(ctx.db, {
      containerId: target.container.id,
      from,
      to: now,
    });
    const outcome = await recommendContainer(ctx, {
      recommender,
      target,
      history,
      from,
      now,
      hpas,
    });
    addOutcome(result, outcome);
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

/**
 * One container of a pass: the recommender's advice from `history` (rollups in [from, now)), the
 * sizing rules, and a new version written when it changed materially. The caller authorizes.
 */
export async function recommendContainer(
  ctx: ServiceContext,
  input: {
    recommender: Recommender;
    target: ContainerWithWorkload;
    history: UsageHistoryRow[];
    from: Date;
    now: Date;
    /** The pass's HPAs (hpa-plan.ts loadPassHpas). */
    hpas: PassHpas;
  },
): Promise<ContainerRecommendationOutcome> {
  const { recommender, target, history, from, now } = input;
  const advice = adviseContainer(recommender, { target, history, now });
  if (advice === null) return { kind: "insufficient-history" };
  const signals = await gatherSizingSignals(ctx, { target, history, now });
  const recommendation = withSizingRules(advice.fresh, signals, advice.restate);
  const values = coordinateValues({
    values: toRecommendationValues(
      recommendation,
      await toApplicableStep(ctx, target),
    ),
    target,
    ...(await input.hpas.forTarget(target)),
  });
  const written = await withTransaction(ctx, (tx) =>
    persist(tx, {
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
    }),
  );
  return { kind: "written", ...written };
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
  support: ApplySupport,
  reason: string,
): { eventReason: string; audit: Record<string, unknown> } {
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
  /** Today's confidence for stored values and what keeping them costs (the recommender's restatement). */
  restate: (row: RecommendationRow) => Restatement | null;
};

/** The recommendation a fresh one is judged against: the newest Pending, else open, else Rejected one. */
async function findReference(
  tx: ServiceContext,
  containerId: string,
): Promise<{
  pending: RecommendationRow[];
  reference: RecommendationRow | undefined;
}> {
  const open = await listOpenRecommendationsForContainer(tx.db, containerId);
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
    (await getLatestRecommendationInPhase(tx.db, containerId, "Rejected"));
  return { pending, reference };
}

/** Whether to write a new version, and the reason recorded with it (null: keep the open one). */
async function publicationReason(
  tx: ServiceContext,
  input: PersistInput & { reference: RecommendationRow | undefined },
): Promise<string | null> {
  const { reference, target, values, policy } = input;
  if (!reference) return "first recommendation for this container";
  const hpa = hpaPlanChange(reference.evidence, values.evidence);
  if (hpa !== null)
    return `${hpa} (against v${reference.version}, ${reference.phase})`;
  const safety = await getSafetyConfig(
    tx.db,
    target.workload.clusterId,
    target.workload.namespace,
  );
  const decision = supersedeDecision({
    previous: reference,
    next: { ...values, policy },
    previousNow: reference.policy === policy ? input.restate(reference) : null,
    autoApplyMinConfidence: safety?.autoApplyEnabled
      ? safety.autoApplyMinConfidence
      : null,
  });
  return decision.publish
    ? `${decision.reason} (against v${reference.version}, ${reference.phase})`
    : null;
}

async function persist(
  tx: ServiceContext,
  input: PersistInput,
): Promise<{ created: boolean; superseded: number }> {
  const { target, values, policy, usage, now } = input;
  const { container, workload } = target;
  const { pending, reference } = await findReference(tx, container.id);
  const reason = await publicationReason(tx, { ...input, reference });
  if (reason === null) return { created: false, superseded: 0 };
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
    evidence: {
      ...values.evidence,
      costBeforeMonthlyMicroUsd: delta.beforeMonthlyMicroUsd,
      costAfterMonthlyMicroUsd: delta.afterMonthlyMicroUsd,
    },
    createdAt: now,
    updatedAt: now,
  });
  const apply = describeApply(
    applySupportOf({ workload, recommendation: created }),
    reason,
  );
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
