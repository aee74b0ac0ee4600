import { describe, expect, it } from "vitest";

import { DEFAULT_CONTROLLER_POLICY } from "./decision-context";
import { toNamespacePolicy } from "./namespace-policy";

describe("toNamespacePolicy", () => {
  it("forbids auto-apply unless the namespace opts in", () => {
    expect(
      toNamespacePolicy(undefined, DEFAULT_CONTROLLER_POLICY).allowAutoApply,
    ).toBe(false);
    expect(
      toNamespacePolicy(
        { labels: { "kubewise.io/auto-apply": "yes" } },
        DEFAULT_CONTROLLER_POLICY,
      ).allowAutoApply,
    ).toBe(false);
    expect(
      toNamespacePolicy(
        { labels: { "kubewise.io/auto-apply": "true" } },
        DEFAULT_CONTROLLER_POLICY,
      ).allowAutoApply,
    ).toBe(true);
  });

  it.each([
    ["0.95", 0.95],
    ["0.5", 0.8],
    ["1.5", 0.8],
    ["abc", 0.8],
  ])(
    "min-confidence annotation %s gives threshold %d (never below the global one)",
    (value, expected) => {
      const policy = toNamespacePolicy(
        { annotations: { "kubewise.io/min-confidence": value } },
        DEFAULT_CONTROLLER_POLICY,
      );
      expect(policy.minConfidence).toBe(expected);
    },
  );

  it.each([
    ["1.5", 1.5],
    ["4", 2],
    ["1", 2],
    ["-3", 2],
    ["x", 2],
  ])(
    "max-step-ratio annotation %s gives a cap of %d (never looser than the global one)",
    (value, expected) => {
      const policy = toNamespacePolicy(
        { annotations: { "kubewise.io/max-step-ratio": value } },
        DEFAULT_CONTROLLER_POLICY,
      );
      expect(policy.maxStepRatio).toBe(expected);
    },
  );
  it.each([
    ["1.25", 1.25],
    ["4", 2],
    ["1", 2],
    ["0.5", 2],
    ["abc", 2],
  ])(
    "max-step-ratio annotation %s gives a per-namespace step cap of %d (tightens, never loosens, the global 2)",
    (value, expected) => {
      const policy = toNamespacePolicy(
        { annotations: { "kubewise.io/max-step-ratio": value } },
        { ...DEFAULT_CONTROLLER_POLICY, maxStepRatio: 2 },
      );
      expect(policy.maxStepRatio).toBe(expected);
    },
  );
});
