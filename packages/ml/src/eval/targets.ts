// Issue 4's targets, derived from the baselines of the same run: Kubewise must beat every baseline on
// both axes at once, per resource.
import type { PolicyMetrics } from "./aggregate";

export const TARGET_BASELINES = ["vpa", "krr", "autopilot"] as const;

export type Targets = {
  /** oom_free_days >= this (the best baseline). */
  minOomFreeDays: number;
  /** mem_slack <= this (0.9 x the lowest baseline). */
  maxMemSlack: number;
  /** cpu_under <= this (the lowest baseline). */
  maxCpuUnder: number;
  /** cpu_slack <= this (0.9 x the lowest baseline). */
  maxCpuSlack: number;
};

export type TargetCheck = {
  memory: boolean;
  cpu: boolean;
};

const SLACK_FACTOR = 0.9;

/** Targets from the baselines' metrics; throws when a baseline or one of its metrics is missing. */
export function targetsFrom(
  policies: Readonly<Record<string, PolicyMetrics | null | undefined>>,
): Targets {
  const metric = (name: keyof PolicyMetrics): number[] =>
    TARGET_BASELINES.map((policy) => {
      const value = policies[policy]?.[name];
      if (value === null || value === undefined)
        throw new Error(`targets need ${policy}.${name}, which is missing`);
      return value;
    });
  return {
    minOomFreeDays: Math.max(...metric("oom_free_days")),
    maxMemSlack: SLACK_FACTOR * Math.min(...metric("mem_slack")),
    maxCpuUnder: Math.min(...metric("cpu_under")),
    maxCpuSlack: SLACK_FACTOR * Math.min(...metric("cpu_slack")),
  };
}

/** Whether a policy meets the memory pair and the CPU pair of targets (a missing metric fails). */
export function checkTargets(m: PolicyMetrics, t: Targets): TargetCheck {
  const atLeast = (v: number | null, bound: number): boolean =>
    v !== null && v >= bound;
  const atMost = (v: number | null, bound: number): boolean =>
    v !== null && v <= bound;
  return {
    memory:
      atLeast(m.oom_free_days, t.minOomFreeDays) &&
      atMost(m.mem_slack, t.maxMemSlack),
    cpu:
      atMost(m.cpu_under, t.maxCpuUnder) && atMost(m.cpu_slack, t.maxCpuSlack),
  };
}

export function formatTargets(t: Targets): string {
  return [
    `memory target: oom_free_days >= ${t.minOomFreeDays.toFixed(4)} and mem_slack <= ${t.maxMemSlack.toFixed(3)}`,
    `cpu target:    cpu_under <= ${t.maxCpuUnder.toFixed(4)} and cpu_slack <= ${t.maxCpuSlack.toFixed(3)}`,
  ].join("\n");
}
