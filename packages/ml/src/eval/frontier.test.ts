import { describe, expect, it } from "vitest";

import { createKrrRecommender, startKrrSweep } from "../baselines/krr";
import type { PolicyMetrics } from "./aggregate";
import { PolicyAccumulator } from "./aggregate";
import { brierSkill, riskCoverage, rocAuc } from "./confidence-metrics";
import type { FrontierPoint } from "./frontier";
import {
  compareAtMatchedSafety,
  CPU_AXIS,
  interpolateFrontier,
  MEMORY_AXIS,
  paretoFrontier,
} from "./frontier";
import { sweepEntries } from "./sweep";
import { makeSeries } from "./test-series";
import { evaluateSeries } from "./walk-forward";

const metrics = (m: Partial<PolicyMetrics>): PolicyMetrics => ({
  mem_slack: null,
  oom_free_days: null,
  cpu_slack: null,
  cpu_under: null,
  cost_ratio: null,
  changes_per_day: null,
  ...m,
});

const point = (
  family: string,
  name: string,
  m: Partial<PolicyMetrics>,
): FrontierPoint => ({
  family,
  name,
  knob: name,
  isDefault: false,
  metrics: metrics(m),
});

describe("paretoFrontier", () => {
  it("drops dominated points and sorts from least to most safe", () => {
    const frontier = paretoFrontier(
      [
        { x: 0.9, y: 0.6 },
        { x: 0.95, y: 0.7 },
        { x: 0.92, y: 0.75 }, // dominated by (0.95, 0.7)
        { x: 0.8, y: 0.5 },
      ],
      true,
    );
    expect(frontier).toEqual([
      { x: 0.8, y: 0.5 },
      { x: 0.9, y: 0.6 },
      { x: 0.95, y: 0.7 },
    ]);
  });

  it("orients a lower-is-safer axis (cpu_under)", () => {
    const frontier = paretoFrontier(
      [
        { x: 0.01, y: 0.45 },
        { x: 0.05, y: 0.3 },
        { x: 0.02, y: 0.5 }, // dominated by (0.01, 0.45)
      ],
      false,
    );
    expect(frontier).toEqual([
      { x: 0.05, y: 0.3 },
      { x: 0.01, y: 0.45 },
    ]);
  });
});

describe("interpolateFrontier", () => {
  const frontier = [
    { x: 0.8, y: 0.5 },
    { x: 0.9, y: 0.6 },
  ];
  it("interpolates linearly between neighbours and hits points exactly", () => {
    expect(interpolateFrontier(frontier, 0.85)).toBeCloseTo(0.55, 12);
    expect(interpolateFrontier(frontier, 0.9)).toBeCloseTo(0.6, 12);
  });
  it("never extrapolates", () => {
    expect(interpolateFrontier(frontier, 0.79)).toBeNull();
    expect(interpolateFrontier(frontier, 0.95)).toBeNull();
    expect(interpolateFrontier([], 0.85)).toBeNull();
  });
});

describe("compareAtMatchedSafety", () => {
  const kubewise = [
    point("kubewise", "kw@a", { oom_free_days: 0.8, mem_slack: 0.5 }),
    point("kubewise", "kw@b", { oom_free_days: 0.9, mem_slack: 0.6 }),
  ];
  it("reads Kubewise at each baseline point's own safety", () => {
    const rows = compareAtMatchedSafety({
      baselines: [
        point("vpa", "vpa", { oom_free_days: 0.85, mem_slack: 0.56 }),
        point("vpa", "vpa@x", { oom_free_days: 0.85, mem_slack: 0.54 }),
        point("krr", "krr", { oom_free_days: 0.97, mem_slack: 0.7 }),
      ],
      kubewise,
      bound: [
        point("b", "b1", { oom_free_days: 0.7, mem_slack: 0.4 }),
        point("b", "b2", { oom_free_days: 1, mem_slack: 0.7 }),
      ],
      axis: MEMORY_AXIS,
    });
    expect(rows.map((r) => r.kubewiseOnOrBelow)).toEqual([true, false, null]);
    expect(rows[0]?.kubewiseValue).toBeCloseTo(0.55, 12);
    expect(rows[0]?.boundValue).toBeCloseTo(0.55, 12);
    expect(rows[2]?.kubewiseValue).toBeNull();
  });
  it("uses cpu_under as a lower-is-safer axis", () => {
    const rows = compareAtMatchedSafety({
      baselines: [point("krr", "krr", { cpu_under: 0.03, cpu_slack: 0.3 })],
      kubewise: [
        point("kubewise", "a", { cpu_under: 0.05, cpu_slack: 0.2 }),
        point("kubewise", "b", { cpu_under: 0.01, cpu_slack: 0.4 }),
      ],
      axis: CPU_AXIS,
    });
    expect(rows[0]?.kubewiseValue).toBeCloseTo(0.3, 12);
    expect(rows[0]?.kubewiseOnOrBelow).toBe(true);
  });
});

describe("sweepEntries", () => {
  it("scores every knob setting exactly as a standalone policy with that setting", () => {
    const series = makeSeries({
      count: 288 * 6,
      cpu: (i) => 0.2 + 0.1 * Math.sin(i / 10) + (i % 97 === 0 ? 0.5 : 0),
      mem: (i) => 1e9 + 2e8 * Math.sin(i / 40) + (i % 500 === 0 ? 3e8 : 0),
    });
    const knobs = [
      { cpuPercentile: 0.9, memoryBufferFraction: 0 },
      { cpuPercentile: 0.99, memoryBufferFraction: 0.3 },
    ];
    const swept = evaluateSeries(
      series,
      sweepEntries({
        family: "krr",
        points: knobs.map((_, i) => ({
          name: `krr@${i}`,
          knob: String(i),
          isDefault: false,
        })),
        start: (ctx) => startKrrSweep(ctx, knobs),
      }),
    );
    knobs.forEach((knob, i) => {
      const alone = evaluateSeries(series, [
        { name: "alone", recommender: createKrrRecommender(knob) },
      ]);
      const a = new PolicyAccumulator();
      const b = new PolicyAccumulator();
      for (const d of alone.days) a.add(d);
      for (const d of swept.days.filter((d) => d.policy === `krr@${i}`))
        b.add(d);
      expect(b.summary()).toEqual(a.summary());
      expect(b.summary().seriesDays).toBe(5);
    });
  });
});

describe("confidence metrics", () => {
  const o = (confidence: number, holds: boolean, savings = 1) => ({
    confidence,
    holds,
    savingsMicroUsd: savings,
  });
  it("AUC is 1 for a perfect ranking, 0.5 for ties, undefined without both outcomes", () => {
    expect(rocAuc([o(0.9, true), o(0.2, false)])).toBe(1);
    expect(rocAuc([o(0.5, true), o(0.5, false)])).toBe(0.5);
    expect(rocAuc([o(0.5, true)])).toBeNull();
  });
  it("Brier skill is 0 for the base rate and positive for a better forecast", () => {
    const base = [o(0.5, true), o(0.5, false)];
    expect(brierSkill(base)).toBeCloseTo(0, 12);
    expect(brierSkill([o(0.9, true), o(0.1, false)])).toBeCloseTo(0.96, 12);
  });
  it("risk coverage counts hold rate, coverage and savings share above a threshold", () => {
    const rows = riskCoverage(
      [
        o(0.995, true, 3),
        o(0.99, false, 1),
        o(0.5, true, 4),
        o(0.3, false, -2),
      ],
      [0.99],
    );
    expect(rows[0]).toEqual({
      threshold: 0.99,
      hold_rate: 0.5,
      coverage: 0.5,
      savings_share: 0.5,
    });
  });
});
