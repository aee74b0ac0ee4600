import {
  diffContainerResources,
  evaluateSafety,
  renderDryRunDiff,
  type ResourceDiffRow,
  type SafetyDecision,
} from "@kubewise/core";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import {
  auditSubject,
  getEffectiveSafetyConfig,
  getRecommendationInScope,
} from "./internal";
import { previewRecommendation, type PatchPreview } from "./preview";
import {
  RecommendationIdInputSchema,
  type RecommendationIdInput,
} from "./schemas";

export type DryRunResult = {
  recommendationId: string;
  /** The patch the controller would send, byte for byte, or why Kubewise cannot apply it. */
  preview: PatchPreview;
  diff: ResourceDiffRow[];
  diffText: string;
  safety: SafetyDecision;
};

/** Computes the patch and diff without changing anything; allowed in every phase. */
export async function dryRunRecommendation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: RecommendationIdInput;
}): Promise<DryRunResult> {
  authorize(ctx, "dryRunRecommendation");
  const { id } = parseInput(RecommendationIdInputSchema, input);
  return withTransaction(ctx, async (tx) => {
    const found = await getRecommendationInScope(tx.db, tx.actor, id);
    const { workload, changes, preview } = await previewRecommendation(
      tx.db,
      found,
    );
    const config = await getEffectiveSafetyConfig(
      tx.db,
      found.workload.clusterId,
      found.workload.namespace,
    );
    const safety = evaluateSafety({
      config,
      phase: found.recommendation.phase,
      confidence: found.recommendation.confidence,
    });
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId: found.workload.clusterId,
        action: "recommendation.dry_run",
        subject: auditSubject(id),
        payload: { phase: found.recommendation.phase, action: safety.action },
      },
    );
    return {
      recommendationId: id,
      preview,
      diff: diffContainerResources(changes),
      diffText: renderDryRunDiff(workload, changes),
      safety,
    };
  });
}
