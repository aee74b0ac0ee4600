// Note (ml-a): added optional RecommenderContext.unitSystem (compatible): "normalized" tells recommenders
// with absolute constants (VPA buckets/minimums, 100 MiB OOM bump) that values are not cores/bytes.
// Contract shared by every recommender (baselines and Kubewise) and the walk-forward harness.
// Units: cpu in cores, memory in bytes. For traces in normalized units (Google NCU/NMU) the same
// fields carry those units unchanged; nothing here converts between unit systems.

/** A chunk of consecutive samples, timestamps strictly increasing. NaN marks a missing reading. */
export type UsageChunk = {
  timestampsS: Float64Array;
  cpuCores: Float64Array;
  memBytes: Float64Array;
};

export type ResourceValues = {
  cpuRequestCores: number;
  /** null: no CPU limit (e.g. KRR simple) */
  cpuLimitCores: number | null;
  memRequestBytes: number;
  memLimitBytes: number | null;
};

export type WindowDays = "mon-fri" | "sat-sun" | "all";

/** A recurring UTC time window; startHourUtc inclusive, endHourUtc exclusive (0..24). */
export type TimeWindow = {
  name: string;
  days: WindowDays;
  startHourUtc: number;
  endHourUtc: number;
};

export type WindowedValues = { window: TimeWindow; values: ResourceValues };

/** One reason the confidence is what it is, in words (main factors first). */
export type ConfidenceFactor = {
  name: string;
  /** Whether this piece of evidence raises or lowers the confidence. */
  effect: "raises" | "lowers";
  text: string;
};

/** What a recommendation was computed from, for the reviewer (JSON-safe). */
export type RecommendationEvidence = Record<string, number | string | null>;

/** Today's confidence for published values, and why. */
export type Restatement = {
  confidence: number;
  factors: ConfidenceFactor[];
  /**
   * What keeping the published memory values costs today over the fresh ones, in the policy's own
   * objective (relative slack + priced risk); absent when the policy has no such objective.
   */
  memoryRegret?: number;
  /**
   * What keeping the published CPU request costs over the fresh one on the last days, in the policy's
   * own objective (relative slack + priced exceedance); absent when the policy has no such objective.
   */
  cpuRegret?: number;
};

export type Recommendation = {
  /** Values in force whenever no window matches (or always, when windows is empty). */
  base: ResourceValues;
  /** First matching window wins; empty when the series is not periodic. */
  windows: WindowedValues[];
  /** Stated probability (0..1) that the recommendation holds over the next window; null if the policy has none. */
  confidence: number | null;
  /** What it was computed from (window, percentiles, peaks, model, forecast), when the policy records it. */
  evidence?: RecommendationEvidence;
  /** The confidence's main factors in words, when the policy explains it. */
  factors?: ConfidenceFactor[];
  /** Why the values are what they are beyond the statistics (sizing rules that fired). */
  reasons?: string[];
  /** VPA-style bounds, when the policy computes them. */
  bounds?: {
    cpuLowerCores: number;
    cpuUpperCores: number;
    memLowerBytes: number;
    memUpperBytes: number;
    cpuUncappedCores: number;
    memUncappedBytes: number;
  };
};

export type RecommendResult =
  | { kind: "ok"; recommendation: Recommendation }
  | { kind: "insufficient-history"; reason: string; confidence: number };

export type RecommenderContext = {
  seriesId: string;
  /** Nominal sampling interval of the series (e.g. 300 s for the traces, 10 s for agents). */
  sampleIntervalS: number;
  /** "real" (cores, bytes; default) or "normalized" (e.g. Google NCU/NMU): absolute floors do not apply. */
  unitSystem?: "real" | "normalized";
};

/** Stateful per-series session: observe the past in order, then ask for a recommendation at `nowS`. */
export type RecommenderSession = {
  observe(chunk: UsageChunk): void;
  /** Record an OOM kill (for OOM bumps); traces have none. */
  observeOom?(timestampS: number): void;
  recommend(nowS: number): RecommendResult;
  /**
   * Today's confidence (and its main factors) for values published earlier, at `nowS` (after
   * `recommend(nowS)`); null when the policy cannot state one then. Policies without a confidence
   * leave it out.
   */
  restate?(
    published: ResourceValues,
    nowS: number,
    fresh?: Recommendation,
  ): Restatement | null;
};

export type Recommender = {
  name: string;
  start(ctx: RecommenderContext): RecommenderSession;
};
