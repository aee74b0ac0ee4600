import {
  checkApprover,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type RecommendationEvent,
  type RecommendationPhase,
} from "@kubewise/core";
import {
  getRecommendationRequester,
  insertApproval,
  lockRecommendation,
} from "@kubewise/db";

import type { ServiceContext } from "../context";
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
  const { clusterId, namespace } = found.workload;
  if (decision.type === "approve") {
    const config = await getEffectiveSafetyConfig(tx.db, clusterId, namespace);
    const requesterId = await getRecommendationRequester(tx.db, id);
    const check = checkApprover({
      config,
      approverId: tx.actor.userId,
      requesterId,
    });
    if (!check.allowed) throw new ForbiddenError(check.reason);
  }
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
