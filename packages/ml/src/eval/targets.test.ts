import { describe, expect, it } from "vitest";

import type { PolicyMetrics } from "./aggregate";
import { checkTargets, targetsFrom } from "./targets";

const metrics = (m: Partial<PolicyMetrics>): PolicyMetrics => ({
  mem_slack: 0.5,
  oom_free_days: 0.9,
  cpu_slack: 0.4,
  cpu_under: 0.02,
  cost_ratio: null,
  changes_per_day: null,
  ...m,
});

const baselines = {
  provisioned: metrics({ mem_slack: 0.1, oom_free_days: 1 }),
  vpa: metrics({ mem_slack: 0.67, oom_free_days: 0.93, cpu_slack: 0.39 }),
  krr: metrics({ mem_slack: 0.68, oom_free_days: 0.97, cpu_under: 0.05 }),
  autopilot: metrics({ mem_slack: 0.5, cpu_slack: 0.3, cpu_under: 0.01 }),
};

describe("targetsFrom", () => {
  it("takes the best baseline per metric and 0.9 x the lowest slack, ignoring other policies", () => {
    const t = targetsFrom(baselines);
    expect(t.minOomFreeDays).toBe(0.97);
    expect(t.maxMemSlack).toBeCloseTo(0.45, 12);
    expect(t.maxCpuUnder).toBe(0.01);
    expect(t.maxCpuSlack).toBeCloseTo(0.27, 12);
  });

  it.each([
    ["a missing baseline", { ...baselines, krr: null }, /krr\.oom_free_days/],
    [
      "a missing metric",
      { ...baselines, vpa: metrics({ cpu_under: null }) },
      /vpa\.cpu_under/,
    ],
  ])("throws on %s", (_name, policies, message) => {
    expect(() => targetsFrom(policies)).toThrow(message);
  });
});

describe("checkTargets", () => {
  const t = targetsFrom(baselines);
  it.each([
    [
      "both met at the bounds",
      metrics({
        oom_free_days: 0.97,
        mem_slack: 0.45,
        cpu_under: 0.01,
        cpu_slack: 0.27,
      }),
      true,
      true,
    ],
    [
      "memory: too few OOM-free days",
      metrics({
        oom_free_days: 0.969,
        mem_slack: 0.1,
        cpu_under: 0,
        cpu_slack: 0,
      }),
      false,
      true,
    ],
    [
      "memory: too much slack",
      metrics({
        oom_free_days: 1,
        mem_slack: 0.451,
        cpu_under: 0,
        cpu_slack: 0,
      }),
      false,
      true,
    ],
    [
      "cpu: too much under",
      metrics({
        oom_free_days: 1,
        mem_slack: 0,
        cpu_under: 0.011,
        cpu_slack: 0,
      }),
      true,
      false,
    ],
    [
      "missing metrics fail",
      metrics({ oom_free_days: null, cpu_slack: null }),
      false,
      false,
    ],
  ])("%s", (_name, m, memory, cpu) => {
    expect(checkTargets(m, t)).toEqual({ memory, cpu });
  });
});
