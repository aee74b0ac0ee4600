import {
  applyRecommendationEvent,
  ConflictError,
  type RecommendationEvent,
} from "@kubewise/core";
import {
  insertRecommendationEvent,
  updateRecommendationPhase,
  type RecommendationRow,
  type RecommendationWithContext,
} from "@kubewise/db";

import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { auditSubject } from "./internal";

type PersistTransitionInput = {
  found: RecommendationWithContext;
  /** The phase read under FOR UPDATE. */
  locked: RecommendationRow;
  event: RecommendationEvent;
  reason: string | undefined;
  extraAudit?: Record<string, unknown>;
};

/** Lifecycle step shared by every verb: core decides, then phase CAS + event row + audit row. */
export async function persistTransition(
  tx: ServiceContext,
  { found, locked, event, reason, extraAudit }: PersistTransitionInput,
): Promise<RecommendationRow> {
  const id = locked.id;
  const next = applyRecommendationEvent({ phase: locked.phase }, event);
  const now = tx.clock.now();
  const updated = await updateRecommendationPhase(tx.db, {
    id,
    fromPhase: locked.phase,
    toPhase: next.phase,
    at: now,
  });
  if (!updated)
    throw new ConflictError(
      `recommendation ${id} changed concurrently; reload and retry`,
    );
  await insertRecommendationEvent(tx.db, {
    recommendationId: id,
    fromPhase: locked.phase,
    toPhase: next.phase,
    actor: tx.actor.userId,
    reason,
    createdAt: now,
  });
  const { clusterId, namespace } = found.workload;
  await recordAudit(
    { ...tx, actorId: tx.actor.userId },
    {
      clusterId,
      action: `recommendation.${event.type}`,
      subject: auditSubject(id),
      payload: {
        namespace,
        from: locked.phase,
        to: next.phase,
        reason: reason ?? null,
        ...extraAudit,
      },
    },
  );
  return updated;
}
