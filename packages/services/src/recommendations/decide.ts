import {
  checkApprover,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  type RecommendationEvent,
  type RecommendationPhase,
} from "@kubewise/core";
import {
  getRecommendationRequester,
  insertApproval,
  lockRecommendation,
  type RecommendationWithContext,
} from "@kubewise/db";

import type { ServiceContext } from "../context";
import { applySupportOf } from "./apply-support";
import {
  getEffectiveSafetyConfig,
  getRecommendationInScope,
  hashRecommendation,
  toRecommendationSummary,
} from "./internal";
import type { RecommendationSummary } from "./schemas";
import { persistTransition } from "./transition";

type Decision = (
  | { type: "approve"; comment?: string | undefined }
  | { type: "reject"; reason: string }
) & { expectedPhase?: RecommendationPhase | undefined };

/** Kubewise can apply it, and this approver may approve it (four-eyes where required). */
async function assertApprovable(
  tx: ServiceContext,
  found: RecommendationWithContext,
): Promise<void> {
  const { clusterId, namespace, kind } = found.workload;
  const support = applySupportOf(found);
  if (!support.supported)
    throw new PreconditionFailedError(
      `cannot approve: Kubewise cannot apply this ${kind} change: ${support.reason}`,
    );
  const config = await getEffectiveSafetyConfig(tx.db, clusterId, namespace);
  const requesterId = await getRecommendationRequester(
    tx.db,
    found.recommendation.id,
  );
  const check = checkApprover({
    config,
    approverId: tx.actor.userId,
    requesterId,
  });
  if (!check.allowed) throw new ForbiddenError(check.reason);
}

/** Approve or reject one recommendation inside the caller's transaction. */
export async function decideRecommendation(
  tx: ServiceContext,
  id: string,
  decision: Decision,
): Promise<RecommendationSummary> {
  const found = await getRecommendationInScope(tx.db, tx.actor, id);
  const locked = await lockRecommendation(tx.db, id);
  if (!locked) throw new NotFoundError(`recommendation ${id} not found`);
  if (decision.expectedPhase && decision.expectedPhase !== locked.phase) {
    throw new ConflictError(
      `recommendation ${id} is ${locked.phase}, not ${decision.expectedPhase}; reload and retry`,
    );
  }
  if (decision.type === "approve") await assertApprovable(tx, found);
  const summary = toRecommendationSummary(found);
  const event: RecommendationEvent =
    decision.type === "approve"
      ? { type: "approve", actorId: tx.actor.userId }
      : { type: "reject", actorId: tx.actor.userId, reason: decision.reason };
  const reason =
    decision.type === "approve" ? decision.comment : decision.reason;
  const updated = await persistTransition(tx, {
    found,
    locked,
    event,
    reason,
    extraAudit: {
      recommendationHash: hashRecommendation(found),
      // Before/after resources of the container, as approved or rejected.
      before: summary.current,
      after: summary.recommended,
    },
  });
  await insertApproval(tx.db, {
    recommendationId: id,
    actor: tx.actor.userId,
    decision: decision.type === "approve" ? "approved" : "rejected",
    reason,
    createdAt: updated.updatedAt,
  });
  return toRecommendationSummary({ ...found, recommendation: updated });
}
