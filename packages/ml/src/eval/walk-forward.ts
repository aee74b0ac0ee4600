// Walk-forward evaluation: from 1 day of history on, re-recommend every 24 h from the past only and
// score on the following 24 h with the values in force at each sample.
import { decidePublication, toPublishable } from "../publication";
import type { PublicationRule } from "../publication";
import type {
  Recommendation,
  Recommender,
  RecommenderContext,
  RecommenderSession,
  RecommendResult,
} from "../recommender";
import type { TraceSeries } from "../traces/series-builder";
import { doesRecommendationHold } from "./holds";
import { hasChangedBeyond } from "./in-force";
import type { DayScore, InForceLookup } from "./score-day";
import { lookupProvisioned, lookupRecommendation, scoreDay } from "./score-day";

export const PROVISIONED = "provisioned";

/**
 * `recommender: null` scores what the trace provisioned. With `publication`, the harness scores what a
 * user of the product sees: the published recommendation, replaced by a fresh one only when the rule
 * says so (publication.ts, the same rule the services apply), restated each day with today's
 * confidence where the policy can.
 */
export type PolicyEntry = {
  name: string;
  recommender: Recommender | null;
  publication?: PublicationRule;
};

export type ScoredDay = DayScore & {
  seriesId: string;
  dayStartS: number;
  policy: string;
  realUnits: boolean;
  /** >10 % change against this policy's previous day; null on its first day or without a recommendation. */
  changed: boolean | null;
  holds: boolean | null;
  confidence: number | null;
  /** No recommendation (insufficient history): the provisioned values stayed in force. */
  fallback: boolean;
  /** The recommendation scored (null for `provisioned` and fallback days). */
  recommendation: Recommendation | null;
  /** With a publication rule: whether a fresh recommendation was published that day. */
  published: boolean | null;
};

export type WalkForwardOptions = { dayS?: number; warmupS?: number };

export type SeriesEvaluation = {
  days: ScoredDay[];
  wallMsByPolicy: Map<string, number>;
};

/** Nominal interval: the median step between consecutive samples (gaps do not distort it). */
export function nominalIntervalS(timestampsS: Float64Array): number {
  const steps = new Float64Array(Math.max(0, timestampsS.length - 1));
  for (let i = 1; i < timestampsS.length; i++)
    steps[i - 1] = (timestampsS[i] ?? 0) - (timestampsS[i - 1] ?? 0);
  steps.sort();
  return steps.length === 0
    ? 300
    : Math.max(1, Math.round(steps[steps.length >> 1] ?? 300));
}

export function firstIndexAtOrAfter(
  timestampsS: Float64Array,
  t: number,
): number {
  let lo = 0;
  let hi = timestampsS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((timestampsS[mid] ?? 0) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sample index boundaries of each day: day k covers [bounds[k], bounds[k+1]) and starts at dayStartsS[k]. */
export function dayBoundaries(
  series: TraceSeries,
  options: WalkForwardOptions = {},
): { dayStartsS: number[]; bounds: number[] } {
  const { dayS = 86400, warmupS = 86400 } = options;
  const ts = series.timestampsS;
  const first = ts[0];
  const last = ts[ts.length - 1];
  const dayStartsS: number[] = [];
  const bounds: number[] = [];
  if (first === undefined || last === undefined) return { dayStartsS, bounds };
  for (let start = first + warmupS; start <= last; start += dayS) {
    dayStartsS.push(start);
    bounds.push(firstIndexAtOrAfter(ts, start));
  }
  bounds.push(
    firstIndexAtOrAfter(
      ts,
      (dayStartsS[dayStartsS.length - 1] ?? first) + dayS,
    ),
  );
  return { dayStartsS, bounds };
}

type PolicyRun = {
  entry: PolicyEntry;
  session: RecommenderSession | null;
  /** The recommendation in force yesterday (the published one under a publication rule). */
  previous: Recommendation | null;
  previousStart: number | null;
  wallMs: number;
};

/** One session per policy; starting it counts towards the policy's wall time. */
function startRuns(
  policies: PolicyEntry[],
  ctx: RecommenderContext,
): PolicyRun[] {
  const runs: PolicyRun[] = policies.map((entry) => ({
    entry,
    session: null,
    previous: null,
    previousStart: null,
    wallMs: 0,
  }));
  for (const run of runs) {
    const started = performance.now();
    run.session = run.entry.recommender?.start(ctx) ?? null;
    run.wallMs += performance.now() - started;
  }
  return runs;
}

export function evaluateSeries(
  series: TraceSeries,
  policies: PolicyEntry[],
  options: WalkForwardOptions = {},
): SeriesEvaluation {
  const sampleIntervalS = nominalIntervalS(series.timestampsS);
  const ctx = {
    seriesId: series.seriesId,
    sampleIntervalS,
    unitSystem: series.unitSystem,
  };
  const provisioned = lookupProvisioned(series);
  const { dayStartsS, bounds } = dayBoundaries(series, options);
  const runs = startRuns(policies, ctx);
  const days: ScoredDay[] = [];
  let observedUpTo = 0;
  for (const [k, dayStartS] of dayStartsS.entries()) {
    const start = bounds[k] ?? 0;
    const end = bounds[k + 1] ?? start;
    const chunk = sliceChunk(series, observedUpTo, start);
    observedUpTo = start;
    for (const run of runs) {
      const result = advance(run, chunk, dayStartS);
      if (end <= start) continue;
      const fresh = result?.kind === "ok" ? result.recommendation : null;
      const { rec, published } = inForceToday(run, fresh, {
        nowS: dayStartS,
        unitSystem: series.unitSystem,
      });
      days.push(
        scoreRunDay(
          run,
          { rec, published },
          { series, start, end, dayStartS, sampleIntervalS, provisioned },
        ),
      );
      if (rec) run.previous = rec;
    }
  }
  return {
    days,
    wallMsByPolicy: new Map(runs.map((r) => [r.entry.name, r.wallMs])),
  };
}

type DayContext = {
  series: TraceSeries;
  start: number;
  end: number;
  dayStartS: number;
  sampleIntervalS: number;
  provisioned: InForceLookup;
};

/**
 * Yesterday's recommendation restated with today's confidence where the policy can, and what keeping
 * its memory values costs over the fresh ones (null where the policy cannot say).
 */
function restated(
  run: PolicyRun,
  at: { nowS: number; fresh: Recommendation },
): {
  rec: Recommendation;
  memoryRegret: number | null;
  cpuRegret: number | null;
} | null {
  const previous = run.previous;
  if (previous === null) return null;
  const restatement =
    run.session?.restate?.(previous.base, at.nowS, at.fresh) ?? null;
  if (restatement === null)
    return { rec: previous, memoryRegret: null, cpuRegret: null };
  const { memoryRegret, cpuRegret, ...stated } = restatement;
  return {
    rec: { ...previous, ...stated },
    memoryRegret: memoryRegret ?? null,
    cpuRegret: cpuRegret ?? null,
  };
}

/**
 * What is in force today: the fresh recommendation, or under a publication rule the published one
 * (restated with today's confidence) unless the rule publishes the fresh one. Without a fresh one the
 * published recommendation stays, as it does in the product.
 */
function inForceToday(
  run: PolicyRun,
  fresh: Recommendation | null,
  at: { nowS: number; unitSystem: "real" | "normalized" },
): { rec: Recommendation | null; published: boolean | null } {
  const rule = run.entry.publication;
  if (rule === undefined) return { rec: fresh, published: null };
  if (fresh === null) return { rec: run.previous, published: false };
  const kept = restated(run, { nowS: at.nowS, fresh });
  const decision = decidePublication({
    published: kept ? toPublishable(kept.rec) : null,
    fresh: toPublishable(fresh),
    publishedConfidenceNow: kept?.rec.confidence ?? null,
    memoryRegret: kept?.memoryRegret ?? null,
    cpuRegret: kept?.cpuRegret ?? null,
    unitSystem: at.unitSystem,
    rule,
  });
  return decision.publish
    ? { rec: fresh, published: true }
    : { rec: kept?.rec ?? null, published: false };
}

function scoreRunDay(
  run: PolicyRun,
  today: { rec: Recommendation | null; published: boolean | null },
  day: DayContext,
): ScoredDay {
  const { rec, published } = today;
  const { series, start, end, sampleIntervalS, provisioned } = day;
  const lookup = rec ? lookupRecommendation(series, rec) : provisioned;
  const score = scoreDay(
    series,
    { start, end, sampleIntervalS },
    { policy: lookup, provisioned },
  );
  return {
    ...score,
    seriesId: series.seriesId,
    dayStartS: day.dayStartS,
    policy: run.entry.name,
    realUnits: series.unitSystem === "real",
    // Under a publication rule every new version is a change the user sees, however small.
    changed:
      published === null || run.previous === null
        ? changedFlag(run, rec, { series, start })
        : published,
    holds: doesRecommendationHold(score),
    confidence: rec?.confidence ?? null,
    fallback: run.entry.recommender !== null && rec === null,
    recommendation: rec,
    published,
  };
}

function advance(
  run: PolicyRun,
  chunk: ReturnType<typeof sliceChunk>,
  nowS: number,
): RecommendResult | null {
  if (run.session === null) return null;
  const started = performance.now();
  if (chunk.timestampsS.length > 0) run.session.observe(chunk);
  const result = run.session.recommend(nowS);
  run.wallMs += performance.now() - started;
  return result;
}

function changedFlag(
  run: PolicyRun,
  rec: Recommendation | null,
  at: { series: TraceSeries; start: number },
): boolean | null {
  if (run.entry.recommender === null) {
    const previousStart = run.previousStart;
    run.previousStart = at.start;
    return previousStart === null
      ? null
      : provisionedChanged(at.series, { previousStart, start: at.start });
  }
  if (rec === null || run.previous === null) return null;
  return hasChangedBeyond(run.previous, rec);
}

// The trace's own changes: the day-start provisioned values against the previous day's.
function provisionedChanged(
  series: TraceSeries,
  at: { previousStart: number; start: number },
): boolean {
  const rel = (a: Float64Array): number => {
    const x = a[at.previousStart] ?? Number.NaN;
    const y = a[at.start] ?? Number.NaN;
    return Number.isNaN(x) || Number.isNaN(y) ? 0 : Math.abs(y - x) / x;
  };
  return (
    Math.max(
      rel(series.cpuRequest),
      rel(series.memRequest),
      rel(series.memLimit),
    ) > 0.1
  );
}

function sliceChunk(
  series: TraceSeries,
  from: number,
  to: number,
): {
  timestampsS: Float64Array;
  cpuCores: Float64Array;
  memBytes: Float64Array;
} {
  return {
    timestampsS: series.timestampsS.subarray(from, to),
    cpuCores: series.cpu.subarray(from, to),
    memBytes: series.mem.subarray(from, to),
  };
}
