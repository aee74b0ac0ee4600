import type { ResourceValues } from "../recommender";
import type { TraceSeries } from "../traces/series-builder";
import { PolicyAccumulator } from "./aggregate";
import { toDumpLines } from "./dump";
import type { PolicyEntry, ScoredDay } from "./walk-forward";
import { evaluateSeries, firstIndexAtOrAfter } from "./walk-forward";

export type BenchmarkRun = {
  accumulators: Map<string, PolicyAccumulator>;
  wallMs: Map<string, number>;
  series: number;
};

export function createBenchmarkRun(policies: PolicyEntry[]): BenchmarkRun {
  return {
    accumulators: new Map(
      policies.map((p) => [p.name, new PolicyAccumulator()]),
    ),
    wallMs: new Map(policies.map((p) => [p.name, 0])),
    series: 0,
  };
}

/** Scores one series with every policy and folds it into the run; `onDump` receives CSV lines. */
export function addSeriesToRun(
  run: BenchmarkRun,
  input: { series: TraceSeries; policies: PolicyEntry[] },
  onDump?: (lines: string[]) => void,
): ScoredDay[] {
  const { series, policies } = input;
  const { days, wallMsByPolicy } = evaluateSeries(series, policies);
  if (days.length > 0) run.series++;
  for (const day of days) {
    run.accumulators.get(day.policy)?.add(day);
    if (onDump) onDump(toDumpLines(day, provisionedAt(series, day.dayStartS)));
  }
  for (const [name, ms] of wallMsByPolicy)
    run.wallMs.set(name, (run.wallMs.get(name) ?? 0) + ms);
  return days;
}

function provisionedAt(
  series: TraceSeries,
  timestampS: number,
): ResourceValues {
  const i = Math.min(
    firstIndexAtOrAfter(series.timestampsS, timestampS),
    series.timestampsS.length - 1,
  );
  const nullable = (v: number | undefined): number | null =>
    v === undefined || Number.isNaN(v) ? null : v;
  return {
    cpuRequestCores: series.cpuRequest[i] ?? Number.NaN,
    cpuLimitCores: nullable(series.cpuLimit[i]),
    memRequestBytes: series.memRequest[i] ?? Number.NaN,
    memLimitBytes: nullable(series.memLimit[i]),
  };
}
