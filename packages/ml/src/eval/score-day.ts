import type { Recommendation } from "../recommender";
import { quantileOf } from "../stats/quantile";
import type { TraceSeries } from "../traces/series-builder";
import { requestCostMicroUsd } from "./cost";
import { effectiveMemLimit, valuesInForce, windowIndexAt } from "./in-force";

/** Values in force at one sample; `segment` groups samples that share them (a time window). */
type InForce = {
  cpuRequest: number;
  /** +Infinity when no CPU limit is set. */
  cpuLimit: number;
  memLimit: number;
  memRequest: number;
  segment: number;
};

export type InForceLookup = (sampleIndex: number) => InForce;

export type DayScore = {
  memSamples: number;
  memOverLimitSamples: number;
  /** Sample-weighted mean over segments of max(0, limit - p95 usage) / limit. */
  memSlack: number | null;
  cpuSamples: number;
  cpuOverRequestSamples: number;
  cpuOverLimitSamples: number;
  cpuSlack: number | null;
  /** Only for series in real units. */
  costMicroUsd: number | null;
  provisionedCostMicroUsd: number | null;
};

export function lookupRecommendation(
  series: TraceSeries,
  recommendation: Recommendation,
): InForceLookup {
  if (recommendation.windows.length === 0) {
    const base = recommendation.base;
    const fixed = {
      cpuRequest: base.cpuRequestCores,
      cpuLimit: base.cpuLimitCores ?? Number.POSITIVE_INFINITY,
      memLimit: effectiveMemLimit(base),
      memRequest: base.memRequestBytes,
      segment: -1,
    };
    return () => fixed;
  }
  return (i) => {
    const t = series.timestampsS[i] ?? 0;
    const values = valuesInForce(recommendation, t);
    return {
      cpuRequest: values.cpuRequestCores,
      cpuLimit: values.cpuLimitCores ?? Number.POSITIVE_INFINITY,
      memLimit: effectiveMemLimit(values),
      memRequest: values.memRequestBytes,
      segment: windowIndexAt(recommendation, t),
    };
  };
}

/** What the trace provisioned at each sample (a resize starts a new segment). */
export function lookupProvisioned(series: TraceSeries): InForceLookup {
  return (i) => {
    const memRequest = series.memRequest[i] ?? Number.NaN;
    const memLimit = series.memLimit[i] ?? Number.NaN;
    const cpuLimit = series.cpuLimit[i] ?? Number.NaN;
    return {
      cpuRequest: series.cpuRequest[i] ?? Number.NaN,
      cpuLimit: Number.isNaN(cpuLimit) ? Number.POSITIVE_INFINITY : cpuLimit,
      memLimit: Number.isNaN(memLimit) ? memRequest : memLimit,
      memRequest,
      segment: memLimit,
    };
  };
}

type Segments = Map<number, { limits: number; values: number[] }>;

function addToSegment(
  segments: Segments,
  segment: number,
  entry: { limit: number; value: number },
): void {
  let s = segments.get(segment);
  if (s === undefined) {
    s = { limits: 0, values: [] };
    segments.set(segment, s);
  }
  s.limits += entry.limit;
  s.values.push(entry.value);
}

/** Sample-weighted mean over segments of max(0, L - p95)/L, with L the segment's mean value in force. */
function slackOf(segments: Segments): number | null {
  let total = 0;
  let weighted = 0;
  for (const { limits, values } of segments.values()) {
    const n = values.length;
    const limit = limits / n;
    if (!(limit > 0)) continue;
    weighted += n * (Math.max(0, limit - quantileOf(values, 0.95)) / limit);
    total += n;
  }
  return total === 0 ? null : weighted / total;
}

function countMemSample(
  score: DayScore,
  segments: Segments,
  { v, mem }: { v: InForce; mem: number },
): void {
  if (Number.isNaN(mem)) return;
  score.memSamples++;
  if (mem > v.memLimit) score.memOverLimitSamples++;
  addToSegment(segments, v.segment, { limit: v.memLimit, value: mem });
}

function countCpuSample(
  score: DayScore,
  segments: Segments,
  { v, cpu }: { v: InForce; cpu: number },
): void {
  if (Number.isNaN(cpu)) return;
  score.cpuSamples++;
  if (cpu > v.cpuRequest) score.cpuOverRequestSamples++;
  if (cpu > v.cpuLimit) score.cpuOverLimitSamples++;
  addToSegment(segments, v.segment, { limit: v.cpuRequest, value: cpu });
}

/** Request cost of the policy and of what was provisioned; samples without provisioned requests are skipped. */
function addRequestCosts(
  costs: { policy: number; provisioned: number },
  inForce: { policy: InForce; provisioned: InForce },
  durationS: number,
): void {
  const { policy: v, provisioned: p } = inForce;
  if (Number.isNaN(p.cpuRequest) || Number.isNaN(p.memRequest)) return;
  costs.policy += requestCostMicroUsd({
    cpuRequestCores: v.cpuRequest,
    memRequestBytes: v.memRequest,
    durationS,
  });
  costs.provisioned += requestCostMicroUsd({
    cpuRequestCores: p.cpuRequest,
    memRequestBytes: p.memRequest,
    durationS,
  });
}

export function scoreDay(
  series: TraceSeries,
  range: { start: number; end: number; sampleIntervalS: number },
  inForce: { policy: InForceLookup; provisioned: InForceLookup },
): DayScore {
  const memSegments: Segments = new Map();
  const cpuSegments: Segments = new Map();
  const score: DayScore = {
    memSamples: 0,
    memOverLimitSamples: 0,
    memSlack: null,
    cpuSamples: 0,
    cpuOverRequestSamples: 0,
    cpuOverLimitSamples: 0,
    cpuSlack: null,
    costMicroUsd: null,
    provisionedCostMicroUsd: null,
  };
  const real = series.unitSystem === "real";
  const costs = { policy: 0, provisioned: 0 };
  for (let i = range.start; i < range.end; i++) {
    const v = inForce.policy(i);
    countMemSample(score, memSegments, { v, mem: series.mem[i] ?? Number.NaN });
    countCpuSample(score, cpuSegments, { v, cpu: series.cpu[i] ?? Number.NaN });
    if (real)
      addRequestCosts(
        costs,
        { policy: v, provisioned: inForce.provisioned(i) },
        range.sampleIntervalS,
      );
  }
  score.memSlack = slackOf(memSegments);
  score.cpuSlack = slackOf(cpuSegments);
  if (real && costs.provisioned > 0) {
    score.costMicroUsd = costs.policy;
    score.provisionedCostMicroUsd = costs.provisioned;
  }
  return score;
}
