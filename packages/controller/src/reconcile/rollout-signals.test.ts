import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  estimateChangedRatio,
  findSignalRegression,
  toSignalsWindow,
  type RolloutSignals,
  type WindowSignals,
} from "./signals";

const window = (
  throttlingRatio: number | undefined,
  oomKills = 0,
  windowSeconds = 300,
): WindowSignals => ({
  sampleCount: throttlingRatio === undefined ? 0 : 10,
  throttlingRatio,
  oomKills,
  windowSeconds,
});
const signals = (
  baseline: WindowSignals,
  observation: WindowSignals,
  name = "app",
): RolloutSignals => ({ containers: [{ name, baseline, observation }] });

describe("findSignalRegression", () => {
  it.each([
    {
      what: "throttling far above baseline",
      s: signals(window(0.02, 0, 3600), window(0.4)),
      share: 1,
      reason: "CPUThrottling",
    },
    {
      what: "throttling up 10 points but under 25 %",
      s: signals(window(0.1, 0, 3600), window(0.24)),
      share: 1,
      reason: undefined,
    },
    {
      what: "high throttling that was already there",
      s: signals(window(0.5, 0, 3600), window(0.55)),
      share: 1,
      reason: undefined,
    },
    {
      what: "a canary's regression diluted by unchanged pods (10 % of pods, 5 -> 9 %)",
      s: signals(window(0.05, 0, 3600), window(0.09)),
      share: 0.1,
      reason: "CPUThrottling",
    },
    {
      what: "no samples in the observation window (inconclusive)",
      s: signals(window(0.02, 0, 3600), window(undefined)),
      share: 1,
      reason: undefined,
    },
    {
      what: "OOM kills where there were none",
      s: signals(window(0, 0, 3600), window(0, 1)),
      share: 1,
      reason: "OOMKilled",
    },
    {
      what: "OOM kills at the baseline's rate (12/h before, 1 in 5 min after)",
      s: signals(window(0, 12, 3600), window(0, 1)),
      share: 1,
      reason: undefined,
    },
    {
      what: "another container's regression",
      s: signals(window(0, 0, 3600), window(0.9, 3), "sidecar"),
      share: 1,
      reason: undefined,
    },
  ])("$what -> $reason", ({ s, share, reason }) => {
    expect(
      findSignalRegression(
        { status: "read", signals: s },
        { containerNames: ["app"], share },
      )?.reason,
    ).toBe(reason);
  });

  it("names the container, the ratios and the changed share", () => {
    expect(
      findSignalRegression(
        {
          status: "read",
          signals: signals(window(0.05, 0, 3600), window(0.09)),
        },
        { containerNames: ["app"], share: 0.1 },
      )?.message,
    ).toBe(
      "CPU throttling of app 0.45 above baseline 0.05 (observed 0.09 with 0.1 of pods changed)",
    );
  });
});

describe("estimateChangedRatio", () => {
  it("stays in [0, 1] and equals the observation when every pod changed (property)", () => {
    const ratio = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(
        ratio,
        ratio,
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (baseline, observed, share) => {
          const estimate = estimateChangedRatio(baseline, observed, share);
          expect(estimate).toBeGreaterThanOrEqual(0);
          expect(estimate).toBeLessThanOrEqual(1);
          expect(estimateChangedRatio(baseline, observed, 1)).toBe(observed);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("recovers the changed pods' ratio from a mix with unchanged pods (property)", () => {
    const ratio = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(
        ratio,
        ratio,
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (baseline, changed, share) => {
          const observed = share * changed + (1 - share) * baseline;
          expect(estimateChangedRatio(baseline, observed, share)).toBeCloseTo(
            changed,
            9,
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("toSignalsWindow", () => {
  const canary = {
    at: "2026-01-01T00:00:00Z",
    generation: 3,
    stepStartedAt: "2026-01-01T00:10:00Z",
  };
  it.each([
    {
      what: "a canary step: baseline ends at the rollout start, observation from the step",
      status: { phase: "Canary", canary },
      expected: { changedAt: canary.at, observedFrom: canary.stepStartedAt },
    },
    {
      what: "applied after steps: observation from the final apply",
      status: {
        phase: "Applied",
        canary,
        applied: { at: "2026-01-01T00:20:00Z", generation: 3 },
      },
      expected: {
        changedAt: canary.at,
        observedFrom: "2026-01-01T00:20:00Z",
      },
    },
    {
      what: "applied in one step",
      status: {
        phase: "Applied",
        applied: { at: "2026-01-01T00:20:00Z", generation: 3 },
      },
      expected: {
        changedAt: "2026-01-01T00:20:00Z",
        observedFrom: "2026-01-01T00:20:00Z",
      },
    },
    { what: "idle", status: { phase: "Verified" }, expected: undefined },
    {
      what: "a canary of an older generation",
      status: { phase: "Canary", canary: { ...canary, generation: 2 } },
      expected: undefined,
    },
  ])("$what", ({ status, expected }) => {
    const spec = { dryRun: true, autoApply: false };
    expect(
      toSignalsWindow({ spec, status, generation: 3 }, new Date()),
    ).toEqual(
      expected && {
        changedAt: new Date(expected.changedAt),
        observedFrom: new Date(expected.observedFrom),
      },
    );
  });
});

describe("toSignalsWindow before a change", () => {
  const now = new Date("2026-01-01T01:00:00Z");
  const approved = {
    dryRun: false,
    autoApply: false,
    approval: { state: "Approved" },
  };
  it.each([
    { what: "an approved spec", spec: approved, status: undefined, read: true },
    {
      what: "an auto-applied spec",
      spec: { dryRun: false, autoApply: true },
      status: undefined,
      read: true,
    },
    {
      what: "a dry-run spec",
      spec: { ...approved, dryRun: true },
      status: undefined,
      read: false,
    },
    {
      what: "an unapproved spec",
      spec: { dryRun: false, autoApply: false },
      status: undefined,
      read: false,
    },
    {
      what: "a spec already rolled back in this generation",
      spec: approved,
      status: { phase: "RolledBack", observedGeneration: 3 },
      read: false,
    },
    {
      what: "a spec rolled back in an older generation",
      spec: approved,
      status: { phase: "RolledBack", observedGeneration: 2 },
      read: true,
    },
  ])("$what -> baseline up to now: $read", ({ spec, status, read }) => {
    expect(toSignalsWindow({ spec, status, generation: 3 }, now)).toEqual(
      read ? { changedAt: now, observedFrom: now } : undefined,
    );
  });

  it("is inconclusive without signals: no regression is ever read from an unreadable store", () => {
    expect(
      findSignalRegression(
        { status: "unreadable", reason: "x" },
        { containerNames: ["app"], share: 1 },
      ),
    ).toBeUndefined();
  });
});
