import { l2Norm } from "./parameters";

/** One client's upload as the aggregator sees it (after decoding). */
export type ClientDelta = {
  clientId: string;
  delta: Float32Array;
  exampleCount: number;
};

export type RobustAggregationOptions = {
  /** Parameters of the model (every delta must have exactly this many values). */
  parameterCount: number;
  /** The round's clip bound: agents clip before sending, so a longer delta is refused. */
  clipNorm: number;
  /** With DP noise the delta's norm grows by about multiplier x clipNorm x sqrt(parameters). */
  dpNoiseMultiplier: number;
  /** Trimmed mean from this many accepted updates on (below: capped-weight mean). */
  trimFrom: number;
  /** Fraction trimmed from each end per coordinate (0.1-0.2). */
  trimFraction: number;
  /** A client's weight is min(examples, weightCapMultiple x median examples). */
  weightCapMultiple: number;
};

export const DEFAULT_AGGREGATION: Omit<
  RobustAggregationOptions,
  "parameterCount" | "clipNorm" | "dpNoiseMultiplier"
> = { trimFrom: 5, trimFraction: 0.2, weightCapMultiple: 2 };

export const REFUSAL_REASONS = [
  "shape",
  "non_finite",
  "norm",
  "examples",
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Why one upload cannot be used, or undefined when it can (checked at upload and again here). */
export function screenDelta(
  update: Pick<ClientDelta, "delta" | "exampleCount">,
  options: Pick<
    RobustAggregationOptions,
    "parameterCount" | "clipNorm" | "dpNoiseMultiplier"
  >,
): { reason: RefusalReason; detail: string } | undefined {
  const { delta } = update;
  if (delta.length !== options.parameterCount)
    return {
      reason: "shape",
      detail: `${delta.length} values, the model has ${options.parameterCount}`,
    };
  for (const v of delta)
    if (!Number.isFinite(v))
      return { reason: "non_finite", detail: "delta holds NaN or Infinity" };
  if (!(Number.isInteger(update.exampleCount) && update.exampleCount > 0))
    return {
      reason: "examples",
      detail: `example count ${update.exampleCount} is not a positive integer`,
    };
  const norm = l2Norm(delta);
  const limit = maxDeltaNorm(options);
  if (norm > limit)
    return {
      reason: "norm",
      detail: `delta norm ${norm.toPrecision(4)} exceeds ${limit.toPrecision(4)}`,
    };
  return undefined;
}

/** Clip bound plus the noise's expected norm with a 25 % margin (float32 rounding: +1e-4). */
export function maxDeltaNorm(
  options: Pick<
    RobustAggregationOptions,
    "parameterCount" | "clipNorm" | "dpNoiseMultiplier"
  >,
): number {
  const noise =
    options.dpNoiseMultiplier *
    options.clipNorm *
    Math.sqrt(options.parameterCount);
  return options.clipNorm * (1 + 1e-4) + 1.25 * noise;
}

export type AggregationReport = {
  accepted: string[];
  refused: { clientId: string; reason: RefusalReason; detail: string }[];
  rule: "weighted-mean" | "trimmed-mean";
  /** Per accepted client: fraction of coordinates where its value was trimmed away. */
  trimmedFraction: Record<string, number>;
  weights: Record<string, number>;
  deltaNorm: number;
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function cappedWeights(
  updates: readonly ClientDelta[],
  multiple: number,
): number[] {
  const cap = multiple * median(updates.map((u) => u.exampleCount));
  return updates.map((u) => Math.min(u.exampleCount, cap));
}

/** Weighted mean of the middle values of one coordinate (k trimmed from each end). */
function trimmedCoordinate(
  column: { value: number; weight: number; client: number }[],
  k: number,
  trimmed: Float64Array,
): number {
  column.sort((a, b) => a.value - b.value || a.client - b.client);
  let sum = 0;
  let total = 0;
  for (let j = 0; j < column.length; j++) {
    const entry = column[j];
    if (entry === undefined) continue;
    if (j < k || j >= column.length - k) {
      trimmed[entry.client] = (trimmed[entry.client] ?? 0) + 1;
      continue;
    }
    sum += entry.value * entry.weight;
    total += entry.weight;
  }
  return total > 0 ? sum / total : 0;
}

/**
 * The aggregated delta of one round: screen every upload (shape, finiteness, example count, norm),
 * then a capped-weight mean of the accepted deltas, or with >= trimFrom of them a coordinate-wise
 * trimmed mean with the same weights. Server learning rate 1: the new model is base + delta.
 */
export function aggregateDeltas(
  updates: readonly ClientDelta[],
  options: RobustAggregationOptions,
): { delta: Float32Array | undefined; report: AggregationReport } {
  const refused: AggregationReport["refused"] = [];
  const usable: ClientDelta[] = [];
  for (const u of updates) {
    const verdict = screenDelta(u, options);
    if (verdict) refused.push({ clientId: u.clientId, ...verdict });
    else usable.push(u);
  }
  const report: AggregationReport = {
    accepted: usable.map((u) => u.clientId),
    refused,
    rule: usable.length >= options.trimFrom ? "trimmed-mean" : "weighted-mean",
    trimmedFraction: {},
    weights: {},
    deltaNorm: 0,
  };
  if (usable.length === 0) return { delta: undefined, report };
  const weights = cappedWeights(usable, options.weightCapMultiple);
  usable.forEach((u, i) => (report.weights[u.clientId] = weights[i] ?? 0));
  const k =
    report.rule === "trimmed-mean"
      ? Math.min(
          Math.floor(options.trimFraction * usable.length),
          Math.floor((usable.length - 1) / 2),
        )
      : 0;
  const trimmed = new Float64Array(usable.length);
  const column = usable.map((_, client) => ({
    value: 0,
    weight: weights[client] ?? 0,
    client,
  }));
  const delta = new Float32Array(options.parameterCount);
  for (let p = 0; p < options.parameterCount; p++) {
    for (const entry of column) {
      entry.value = usable[entry.client]?.delta[p] ?? 0;
      entry.weight = weights[entry.client] ?? 0;
    }
    delta[p] = trimmedCoordinate(column, k, trimmed);
  }
  usable.forEach(
    (u, i) =>
      (report.trimmedFraction[u.clientId] =
        (trimmed[i] ?? 0) / options.parameterCount),
  );
  report.deltaNorm = l2Norm(delta);
  return { delta, report };
}

/** Adaptive clip bound for the next round: the median of this round's pre-clip norms, kept in bounds. */
export function nextClipNorm(
  preClipNorms: readonly number[],
  bounds: { min: number; max: number; fallback: number },
): number {
  const finite = preClipNorms.filter((n) => Number.isFinite(n) && n > 0);
  if (finite.length === 0) return bounds.fallback;
  return Math.min(bounds.max, Math.max(bounds.min, median(finite)));
}
