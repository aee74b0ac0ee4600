import { z } from "zod";

import { DEFAULT_HPA_MODE, HPA_MODES } from "./hpa";
import type { RecommendationPhase } from "./lifecycle";

export const NamespaceSafetyConfigSchema = z.object({
  dryRunEnabled: z.boolean(),
  requireApproval: z.boolean(),
  autoApplyEnabled: z.boolean(),
  autoApplyMinConfidence: z.number().min(0).max(1),
  /** Requests under a CPU/memory-utilisation HPA (./hpa.ts); absent in older clients' bodies. */
  hpaMode: z.enum(HPA_MODES).default(DEFAULT_HPA_MODE),
});
export type NamespaceSafetyConfig = z.infer<typeof NamespaceSafetyConfigSchema>;

// The conservative default for a namespace nobody configured: observe only.
export const DEFAULT_SAFETY_CONFIG: NamespaceSafetyConfig = Object.freeze({
  dryRunEnabled: true,
  requireApproval: true,
  autoApplyEnabled: false,
  autoApplyMinConfidence: 0.9,
  hpaMode: DEFAULT_HPA_MODE,
});

export type ApplyAction = "dry-run-only" | "await-approval" | "apply" | "none";

export type SafetyDecision = {
  action: ApplyAction;
  /** A human must approve before the controller may change anything. */
  needsApproval: boolean;
  /** The controller may apply without a human approval. */
  canAutoApply: boolean;
  reasons: string[];
};

export type EvaluateSafetyInput = {
  config: NamespaceSafetyConfig;
  phase: RecommendationPhase;
  confidence: number;
};

function autoApplyBlocker(
  config: NamespaceSafetyConfig,
  confidence: number,
): string | undefined {
  if (!config.autoApplyEnabled)
    return "auto-apply is disabled for this namespace";
  if (config.requireApproval) return "this namespace requires approval";
  if (confidence < config.autoApplyMinConfidence) {
    return `confidence ${confidence} is below the auto-apply threshold ${config.autoApplyMinConfidence}`;
  }
  return undefined;
}

/** What the controller may do with a recommendation in a namespace, and why. */
export function evaluateSafety({
  config,
  phase,
  confidence,
}: EvaluateSafetyInput): SafetyDecision {
  const blocker = autoApplyBlocker(config, confidence);
  const canAutoApply =
    phase === "Pending" && blocker === undefined && !config.dryRunEnabled;
  const needsApproval = phase === "Pending" && !canAutoApply;
  const reasons = blocker === undefined ? [] : [blocker];
  if (config.dryRunEnabled) {
    return {
      action: "dry-run-only",
      needsApproval,
      canAutoApply: false,
      reasons: ["dry-run is enabled for this namespace", ...reasons],
    };
  }
  if (phase === "Approved")
    return {
      action: "apply",
      needsApproval: false,
      canAutoApply: false,
      reasons: [],
    };
  if (phase !== "Pending")
    return {
      action: "none",
      needsApproval: false,
      canAutoApply: false,
      reasons: [`phase ${phase} needs no action`],
    };
  return {
    action: canAutoApply ? "apply" : "await-approval",
    needsApproval,
    canAutoApply,
    reasons,
  };
}

export type ApproverCheckInput = {
  config: NamespaceSafetyConfig;
  approverId: string;
  /** Who asked for the change; undefined when the recommender generated it. */
  requesterId: string | undefined;
};

export type ApproverCheck =
  { allowed: true } | { allowed: false; reason: string };

/** Four-eyes rule: where a namespace requires approval, the approver must not be the requester. */
export function checkApprover({
  config,
  approverId,
  requesterId,
}: ApproverCheckInput): ApproverCheck {
  if (
    config.requireApproval &&
    requesterId !== undefined &&
    requesterId === approverId
  ) {
    return {
      allowed: false,
      reason: "the approver must differ from the requester in this namespace",
    };
  }
  return { allowed: true };
}
