// Whether Kubewise can apply a recommendation row: its workload kind (core getApplySupport) and, for
// a request change under an HPA that needs the HPA re-targeted with it, its HPA plan (hpa-plan.ts).
import { getApplySupport, type ApplySupport } from "@kubewise/core";
import type { RecommendationEvidence } from "@kubewise/db";

/**
 * Whether the controller can apply this version: a request change that needs its HPA re-targeted
 * is advice only, because the controller does not write HPAs (the two must change together).
 */
function hpaApplySupport(
  support: ApplySupport,
  evidence: RecommendationEvidence,
): ApplySupport {
  const retarget = evidence.hpaRetarget;
  if (!support.supported || !Array.isArray(retarget) || retarget.length === 0)
    return support;
  return {
    supported: false,
    reason: `the request change needs the HPA ${String(evidence.hpa)} re-targeted with it (${retarget.join("; ")}), and Kubewise's controller does not write HPAs: apply both in one change through the HPA's owner`,
  };
}

/** Whether Kubewise can apply this row: its workload kind (core getApplySupport) and its HPA plan. */
export function applySupportOf(row: {
  workload: { kind: string };
  recommendation: { evidence: RecommendationEvidence };
}): ApplySupport {
  return hpaApplySupport(
    getApplySupport(row.workload.kind),
    row.recommendation.evidence,
  );
}
