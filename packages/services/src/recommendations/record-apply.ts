import { z } from "zod";

import {
  evaluateSafety,
  PreconditionFailedError,
  type RecommendationEvent,
} from "@kubewise/core";
import { lockRecommendation } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import {
  getEffectiveSafetyConfig,
  getRecommendationInScope,
  toRecommendationSummary,
} from "./internal";
import type { RecommendationSummary } from "./schemas";
import { persistTransition } from "./transition";

export const RecordApplyProgressInputSchema = z.object({
  id: z.uuid(),
  event: z.enum(["startApply", "completeApply", "rollback"]),
  reason: z.string().trim().min(1).max(2000).optional(),
});
export type RecordApplyProgressInput = z.input<
  typeof RecordApplyProgressInputSchema
>;

function toEvent(
  type: "startApply" | "completeApply" | "rollback",
  actorId: string,
  reason: string | undefined,
): RecommendationEvent {
  if (type === "rollback")
    return { type, actorId, reason: reason ?? "rollback" };
  return { type, actorId };
}

/** The lifecycle controller reports apply progress; starting an apply re-checks the namespace's safety rules. */
export async function recordApplyProgress({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: RecordApplyProgressInput;
}): Promise<RecommendationSummary> {
  authorize(ctx, "recordApplyProgress");
  const {
    id,
    event: type,
    reason,
  } = parseInput(RecordApplyProgressInputSchema, input);
  return withTransaction(ctx, async (tx) => {
    const found = await getRecommendationInScope(tx.db, tx.actor, id);
    const locked =
      (await lockRecommendation(tx.db, id)) ?? found.recommendation;
    const { clusterId, namespace } = found.workload;
    if (type === "startApply") {
      const config = await getEffectiveSafetyConfig(
        tx.db,
        clusterId,
        namespace,
      );
      const decision = evaluateSafety({
        config,
        phase: locked.phase,
        confidence: locked.confidence,
      });
      if (decision.action !== "apply")
        throw new PreconditionFailedError(
          `cannot apply: ${decision.reasons.join("; ") || decision.action}`,
        );
    }
    const updated = await persistTransition(tx, {
      found,
      locked,
      event: toEvent(type, tx.actor.userId, reason),
      reason,
    });
    return toRecommendationSummary({ ...found, recommendation: updated });
  });
}
