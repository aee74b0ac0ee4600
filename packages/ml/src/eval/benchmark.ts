import type { ResourceValues } from "../recommender";
import type { TraceSeries } from "../traces/series-builder";
import { PolicyAccumulator } from "./aggregate";
import { toDumpLines } from "./dump";
import type { PolicyEntry, SeriesEvaluation } from "./walk-forward";
import { firstIndexAtOrAfter } from "./walk-forward";

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

/** Folds an evaluation (possibly computed in a worker) into the run. */
export function foldSeriesEvaluation(
  run: BenchmarkRun,
  input: { series: TraceSeries; evaluation: SeriesEvaluation },
  onDump?: (lines: string[]) => void,
): void {
  const { series, evaluation } = input;
  if (evaluation.days.length > 0) run.series++;
  for (const day of evaluation.days) {
    run.accumulators.get(day.policy)?.add(day);
    if (onDump) onDump(toDumpLines(day, provisionedAt(series, day.dayStartS)));
  }
  for (const [name, ms] of evaluation.wallMsByPolicy)
    run.wallMs.set(name, (run.wallMs.get(name) ?? 0) + ms);
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
