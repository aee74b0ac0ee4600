import { z } from "zod";

import {
  ConflictError,
  PreconditionFailedError,
  type RecommendationEvent,
} from "@kubewise/core";
import {
  insertApproval,
  listRecommendations as listRecommendationRows,
  lockRecommendation,
  markControllerSeen,
  setRollbackMemoryFloor,
  type RecommendationWithContext,
} from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import {
  getEffectiveSafetyConfig,
  getRecommendationInScope,
} from "../recommendations/internal";
import { persistTransition } from "../recommendations/transition";
import { CARRIED_PHASES } from "./desired";
import { syncClusterHpas, type HpaSyncResult } from "./hpas";
import {
  planClusterSync,
  type ClusterSyncPlan,
  type DbPhaseChange,
  type RecommendationPublisher,
} from "./plan";

export const SyncRecommendationsToClusterInputSchema = z.object({
  clusterId: z.uuid(),
});
export type SyncRecommendationsToClusterInput = z.input<
  typeof SyncRecommendationsToClusterInputSchema
>;

export type SyncRecommendationsToClusterResult = {
  published: number;
  approvalsPushed: number;
  dbPhaseChanges: number;
  conflicts: string[];
  hpas: HpaSyncResult;
};

const PAGE_SIZE = 500;

async function loadRows(
  ctx: ServiceContext,
  clusterId: string,
): Promise<RecommendationWithContext[]> {
  const rows: RecommendationWithContext[] = [];
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await listRecommendationRows(ctx.db, {
      clusterId,
      phases: CARRIED_PHASES,
      sort: "created_desc",
      limit: PAGE_SIZE,
      offset,
    });
    rows.push(...page.rows);
    if (page.rows.length < PAGE_SIZE) return rows;
  }
}

function toEvent(
  type: DbPhaseChange["events"][number],
  actorId: string,
  reason: string,
): RecommendationEvent {
  return type === "reject" || type === "rollback"
    ? { type, actorId, reason }
    : { type, actorId };
}

async function applyDbChange(
  ctx: ServiceContext,
  change: DbPhaseChange,
): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const found = await getRecommendationInScope(
      tx.db,
      tx.actor,
      change.recommendationId,
    );
    let locked = await lockRecommendation(tx.db, change.recommendationId);
    if (locked?.phase !== change.fromPhase)
      throw new ConflictError(
        `recommendation ${change.recommendationId} moved to ${locked?.phase ?? "nowhere"} during the sync`,
      );
    for (const type of change.events) {
      locked = await persistTransition(tx, {
        found,
        locked,
        event: toEvent(type, change.by, change.reason),
        reason: change.reason,
        extraAudit: {
          source: "cluster",
          object: `${change.object.namespace}/${change.object.name}`,
          by: change.by,
        },
      });
      if (type === "approve" || type === "reject")
        await insertApproval(tx.db, {
          recommendationId: change.recommendationId,
          actor: change.by,
          decision: type === "approve" ? "approved" : "rejected",
          reason: change.reason,
          createdAt: locked.updatedAt,
        });
    }
    if (change.memoryFloorBytes !== undefined)
      await setRollbackMemoryFloor(tx.db, {
        recommendationId: change.recommendationId,
        memoryBytes: change.memoryFloorBytes,
      });
  });
}

async function loadDryRunByNamespace(
  ctx: ServiceContext,
  clusterId: string,
  rows: readonly RecommendationWithContext[],
): Promise<Map<string, boolean>> {
  const namespaces = [...new Set(rows.map((r) => r.workload.namespace))];
  const dryRun = new Map<string, boolean>();
  for (const namespace of namespaces)
    dryRun.set(
      namespace,
      (await getEffectiveSafetyConfig(ctx.db, clusterId, namespace))
        .dryRunEnabled,
    );
  return dryRun;
}

/** Applies each change in its own transaction; a row that moved meanwhile is a conflict, not a failure. */
async function applyDbChanges(
  ctx: ServiceContext,
  changes: readonly DbPhaseChange[],
): Promise<{ count: number; conflicts: string[]; failed: Set<string> }> {
  const conflicts: string[] = [];
  const failed = new Set<string>();
  let count = 0;
  for (const change of changes) {
    try {
      await applyDbChange(ctx, change);
      count += 1;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      conflicts.push(error.message);
      failed.add(`${change.object.namespace}/${change.object.name}`);
    }
  }
  return { count, conflicts, failed };
}

async function pushApprovals(
  ctx: ServiceContext,
  input: {
    publisher: RecommendationPublisher;
    approvals: ClusterSyncPlan["approvals"];
    /** Objects whose DB change conflicted this round. */
    failed: ReadonlySet<string>;
  },
): Promise<number> {
  let pushed = 0;
  for (const { ref, approval, dryRun } of input.approvals) {
    // The DB row moved under us; the next round pushes the settled decision.
    if (input.failed.has(`${ref.namespace}/${ref.name}`)) continue;
    await input.publisher.setApproval(
      ref,
      { ...approval, at: ctx.clock.now().toISOString() },
      dryRun === undefined ? {} : { dryRun },
    );
    pushed += 1;
  }
  return pushed;
}

/**
 * One round of the dashboard <-> cluster bridge: cluster facts (kubectl decisions, controller
 * phases) into the DB through the lifecycle state machine, then the DB's open recommendations
 * and decisions onto ResourceRecommendation objects through ctx.ports.clusterPublisher.
 */
export async function syncRecommendationsToCluster({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: SyncRecommendationsToClusterInput;
}): Promise<SyncRecommendationsToClusterResult> {
  authorize(ctx, "syncRecommendationsToCluster");
  const { clusterId } = parseInput(
    SyncRecommendationsToClusterInputSchema,
    input,
  );
  const publisher = ctx.ports.clusterPublisher;
  if (!publisher)
    throw new PreconditionFailedError(
      "no cluster publisher configured (ctx.ports.clusterPublisher)",
    );
  const [objects, rows] = await Promise.all([
    publisher.listStatuses(),
    loadRows(ctx, clusterId),
  ]);
  const dryRun = await loadDryRunByNamespace(ctx, clusterId, rows);
  const plan = planClusterSync({
    rows,
    objects,
    dryRunEnabled: (namespace) => dryRun.get(namespace) ?? true,
  });
  const applied = await applyDbChanges(ctx, plan.dbChanges);
  const conflicts = [...plan.conflicts, ...applied.conflicts];
  const dbPhaseChanges = applied.count;
  for (const desired of plan.publish) await publisher.publish(desired);
  const approvalsPushed = await pushApprovals(ctx, {
    publisher,
    approvals: plan.approvals,
    failed: applied.failed,
  });
  // The dashboard's "cluster connected" (approvals move on) reads this.
  await markControllerSeen(ctx.db, clusterId, ctx.clock.now());
  const hpas = await syncClusterHpas(ctx, clusterId);
  if (
    dbPhaseChanges ||
    plan.publish.length ||
    approvalsPushed ||
    conflicts.length
  )
    ctx.logger.info(
      {
        clusterId,
        published: plan.publish.length,
        approvalsPushed,
        dbPhaseChanges,
        conflicts,
      },
      "recommendations synced with the cluster",
    );
  return {
    published: plan.publish.length,
    approvalsPushed,
    dbPhaseChanges,
    conflicts,
    hpas,
  };
}
