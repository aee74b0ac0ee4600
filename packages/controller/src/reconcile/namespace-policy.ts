import type { ControllerPolicy } from "./decision-context";

export const AUTO_APPLY_LABEL = "kubewise.io/auto-apply";
export const MIN_CONFIDENCE_ANNOTATION = "kubewise.io/min-confidence";
export const MAX_STEP_RATIO_ANNOTATION = "kubewise.io/max-step-ratio";

/**
 * Namespace safety rules: auto-apply only where the namespace opts in with a label; a namespace
 * may raise (never lower) the confidence threshold and tighten (never loosen) the step cap with
 * annotations.
 */
export function toNamespacePolicy(
  namespace:
    | { labels?: Record<string, string>; annotations?: Record<string, string> }
    | undefined,
  base: ControllerPolicy,
): ControllerPolicy {
  const annotations = namespace?.annotations ?? {};
  return {
    ...base,
    allowAutoApply: namespace?.labels?.[AUTO_APPLY_LABEL] === "true",
    minConfidence: stricterConfidence(
      base.minConfidence,
      Number(annotations[MIN_CONFIDENCE_ANNOTATION]),
    ),
    maxStepRatio: stricterStepRatio(
      base.maxStepRatio,
      Number(annotations[MAX_STEP_RATIO_ANNOTATION]),
    ),
  };
}

function stricterConfidence(base: number, requested: number): number {
  return Number.isFinite(requested) && requested <= 1
    ? Math.max(base, requested)
    : base;
}

function stricterStepRatio(base: number, requested: number): number {
  return Number.isFinite(requested) && requested > 1
    ? Math.min(base, requested)
    : base;
}
