import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { HPA_MODES } from "./hpa";
import { RECOMMENDATION_PHASES } from "./lifecycle";
import {
  checkApprover,
  DEFAULT_SAFETY_CONFIG,
  evaluateSafety,
  type NamespaceSafetyConfig,
} from "./safety";

const open: NamespaceSafetyConfig = {
  dryRunEnabled: false,
  requireApproval: false,
  autoApplyEnabled: true,
  autoApplyMinConfidence: 0.8,
  hpaMode: "leave-alone",
};

describe("evaluateSafety", () => {
  it.each([
    [
      "default config only dry-runs",
      DEFAULT_SAFETY_CONFIG,
      "Pending",
      0.99,
      "dry-run-only",
      true,
      false,
    ],
    [
      "auto-applies a confident pending recommendation",
      open,
      "Pending",
      0.85,
      "apply",
      false,
      true,
    ],
    [
      "waits below the confidence threshold",
      open,
      "Pending",
      0.79,
      "await-approval",
      true,
      false,
    ],
    [
      "waits when approval is required",
      { ...open, requireApproval: true },
      "Pending",
      0.99,
      "await-approval",
      true,
      false,
    ],
    [
      "waits when auto-apply is off",
      { ...open, autoApplyEnabled: false },
      "Pending",
      0.99,
      "await-approval",
      true,
      false,
    ],
    [
      "applies an approved recommendation",
      { ...open, autoApplyEnabled: false, requireApproval: true },
      "Approved",
      0.1,
      "apply",
      false,
      false,
    ],
    [
      "dry-run beats approval",
      { ...open, dryRunEnabled: true },
      "Approved",
      0.99,
      "dry-run-only",
      false,
      false,
    ],
    [
      "does nothing with a rejected recommendation",
      open,
      "Rejected",
      0.99,
      "none",
      false,
      false,
    ],
  ] as const)(
    "%s",
    (_name, config, phase, confidence, action, needsApproval, canAutoApply) => {
      const decision = evaluateSafety({ config, phase, confidence });
      expect(decision).toMatchObject({ action, needsApproval, canAutoApply });
    },
  );

  it("explains a refusal", () => {
    expect(
      evaluateSafety({ config: open, phase: "Pending", confidence: 0.5 })
        .reasons,
    ).toEqual(["confidence 0.5 is below the auto-apply threshold 0.8"]);
  });

  it("never auto-applies under dry-run, required approval, or low confidence", () => {
    const configArb = fc.record({
      dryRunEnabled: fc.boolean(),
      requireApproval: fc.boolean(),
      autoApplyEnabled: fc.boolean(),
      autoApplyMinConfidence: fc.double({ min: 0, max: 1, noNaN: true }),
      hpaMode: fc.constantFrom(...HPA_MODES),
    });
    fc.assert(
      fc.property(
        configArb,
        fc.constantFrom(...RECOMMENDATION_PHASES),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (config, phase, confidence) => {
          const decision = evaluateSafety({ config, phase, confidence });
          if (decision.canAutoApply) {
            return (
              !config.dryRunEnabled &&
              !config.requireApproval &&
              config.autoApplyEnabled &&
              confidence >= config.autoApplyMinConfidence &&
              phase === "Pending"
            );
          }
          if (decision.action === "apply")
            return phase === "Approved" && !config.dryRunEnabled;
          return !(decision.canAutoApply && decision.needsApproval);
        },
      ),
    );
  });
});

describe("checkApprover", () => {
  it.each([
    [true, "u1", "u1", false],
    [true, "u1", "u2", true],
    [true, "u1", undefined, true],
    [false, "u1", "u1", true],
  ])(
    "requireApproval=%s approver=%s requester=%s -> allowed=%s",
    (requireApproval, approverId, requesterId, allowed) => {
      const config = { ...DEFAULT_SAFETY_CONFIG, requireApproval };
      expect(checkApprover({ config, approverId, requesterId }).allowed).toBe(
        allowed,
      );
    },
  );
});
