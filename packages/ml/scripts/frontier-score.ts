// Scores one series for bench:frontier (in a worker or the main thread).
import type { AccumulatorState } from "../src/eval/aggregate";
import { PolicyAccumulator } from "../src/eval/aggregate";
import type { BoundSpec } from "../src/eval/bounds";
import { boundPolicies } from "../src/eval/bounds";
import type { ConfidenceOutcome } from "../src/eval/confidence-metrics";
import type { SweepPolicy } from "../src/eval/sweep";
import { sweepEntries } from "../src/eval/sweep";
import { evaluateSeries, PROVISIONED } from "../src/eval/walk-forward";
import type { TraceSeries } from "../src/traces/series-builder";

/** The hindsight static bound: one memory limit per series at the q-quantile of its future daily peaks. */
export const HINDSIGHT_QUANTILES = [
  0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.96, 0.97, 0.975, 0.98, 0.985,
  0.99, 0.995, 1,
];
export const HINDSIGHT_FAMILY = "hindsight-static";

function hindsightSpecs(): BoundSpec[] {
  return HINDSIGHT_QUANTILES.map((q) => ({
    name: `${HINDSIGHT_FAMILY}@q${q}`,
    describe: `one memory limit per series = the q${q} of its future daily peaks; CPU = p99 of all its samples`,
    windowHours: 24,
    memory: { kind: "series-peak-quantile", q },
    cpu: { kind: "series-quantile", q: 0.99 },
  }));
}

export type FrontierSeriesResult = {
  states: [string, AccumulatorState][];
  /** Per scored day of the default Kubewise point. */
  kubewiseDays: ConfidenceOutcome[];
  days: number;
};

/** Kubewise's points as the recommender states them each day, without the publication rule. */
export const FRESH_FAMILY = "kubewise-fresh";

/** Which policies to score: the baselines (with the bound and the provisioned values), Kubewise, or both. */
export type FrontierPart = "baselines" | "kubewise" | "all";

export function scoreFrontierSeries(
  series: TraceSeries,
  sweeps: SweepPolicy[],
  options: { fresh: boolean; part?: FrontierPart },
): FrontierSeriesResult {
  const part = options.part ?? "all";
  const isKubewise = (s: SweepPolicy): boolean => s.family === "kubewise";
  const baselines = part !== "kubewise";
  const kubewise = part !== "baselines";
  const fresh = sweeps
    .filter((s) => kubewise && options.fresh && isKubewise(s))
    .flatMap((s) =>
      sweepEntries(s, { family: FRESH_FAMILY, publication: undefined }),
    );
  const entries = [
    ...(baselines ? [{ name: PROVISIONED, recommender: null }] : []),
    ...sweeps
      .filter((s) => (isKubewise(s) ? kubewise : baselines))
      .flatMap((s) => sweepEntries(s)),
    ...fresh,
    ...(baselines ? boundPolicies(series, hindsightSpecs()) : []),
  ];
  const evaluation = evaluateSeries(series, entries);
  const accumulators = new Map<string, PolicyAccumulator>();
  const kubewiseDays: ConfidenceOutcome[] = [];
  for (const day of evaluation.days) {
    let acc = accumulators.get(day.policy);
    if (acc === undefined) {
      acc = new PolicyAccumulator();
      accumulators.set(day.policy, acc);
    }
    acc.add(day);
    if (
      day.policy === "kubewise" &&
      !day.fallback &&
      day.confidence !== null &&
      day.holds !== null
    )
      kubewiseDays.push({
        confidence: day.confidence,
        holds: day.holds,
        savingsMicroUsd:
          day.costMicroUsd !== null && day.provisionedCostMicroUsd !== null
            ? day.provisionedCostMicroUsd - day.costMicroUsd
            : null,
      });
  }
  return {
    states: [...accumulators].map(([name, acc]) => [name, acc.state()]),
    kubewiseDays,
    days: evaluation.days.length,
  };
}

/** One series' result from its baseline and Kubewise parts. */
export function joinParts(
  baselines: FrontierSeriesResult,
  kubewise: FrontierSeriesResult,
): FrontierSeriesResult {
  return {
    states: [...baselines.states, ...kubewise.states],
    kubewiseDays: [...baselines.kubewiseDays, ...kubewise.kubewiseDays],
    days: baselines.days + kubewise.days,
  };
}

export type Parts = { baselines: boolean; kubewise: boolean };
export type PartResults = {
  baselines?: FrontierSeriesResult;
  kubewise?: FrontierSeriesResult;
};

/** Scores the parts asked for, each in its own walk-forward run (so the baselines' can be cached). */
export function scoreParts(
  series: TraceSeries,
  sweeps: SweepPolicy[],
  options: { fresh: boolean; parts: Parts },
): PartResults {
  return {
    ...(options.parts.baselines
      ? {
          baselines: scoreFrontierSeries(series, sweeps, {
            fresh: options.fresh,
            part: "baselines",
          }),
        }
      : {}),
    ...(options.parts.kubewise
      ? {
          kubewise: scoreFrontierSeries(series, sweeps, {
            fresh: options.fresh,
            part: "kubewise",
          }),
        }
      : {}),
  };
}
