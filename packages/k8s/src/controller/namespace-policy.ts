import type { ControllerPolicy } from "./reconcile";

export const AUTO_APPLY_LABEL = "kubewise.io/auto-apply";
export const MIN_CONFIDENCE_ANNOTATION = "kubewise.io/min-confidence";

/**
 * Namespace safety rules: auto-apply only where the namespace opts in with a label, and a
 * namespace may raise (never lower) the confidence threshold with an annotation.
 */
export function toNamespacePolicy(
  namespace:
    | { labels?: Record<string, string>; annotations?: Record<string, string> }
    | undefined,
  base: ControllerPolicy,
): ControllerPolicy {
  const allowAutoApply = namespace?.labels?.[AUTO_APPLY_LABEL] === "true";
  const requested = Number(namespace?.annotations?.[MIN_CONFIDENCE_ANNOTATION]);
  const minConfidence =
    Number.isFinite(requested) && requested <= 1
      ? Math.max(base.minConfidence, requested)
      : base.minConfidence;
  return { ...base, allowAutoApply, minConfidence };
}
