// The memory limit as a priced risk: for each container the limit minimises
//   expected relative slack + riskWeight x P(tomorrow's peak exceeds the limit),
// with P from the location-scale model of tomorrow's peak given the container's evidence. Where
// safety is cheap (spiky containers, whose slack barely moves with the limit) the limit is set very
// safe; where it is dear (flat containers near their peak) it accepts more risk. One knob, the risk
// weight, trades OOM-free days for slack, and the stated confidence differs between containers.
import type { IsotonicMap } from "../calibration/isotonic";
import { applyIsotonic } from "../calibration/isotonic";
import type { ConfidenceFactor } from "../recommender";
import type { Evidence } from "./evidence";
import { memoryFeatures } from "./evidence";
import type { HoldsModel } from "./holds-model";
import {
  HEADROOM_FEATURES,
  holdsFeatures,
  holdsLogOdds,
  holdsProbability,
} from "./holds-model";
import type { LocationScaleModel } from "./location-scale";
import { cdfAt, locationScale } from "./location-scale";

export type ConfidenceModel = {
  /** What "holds" means for the calibrated probability (HOLDS_DEFINITION). */
  holdDefinition: string;
  /** Tomorrow's memory peak relative to the 7-day peak, given the evidence. */
  memory: LocationScaleModel;
  /**
   * P(the limit holds | its headroom and the evidence), fitted on the same series as `memory`; when
   * present it states the model probability that `calibration` maps (the limit is still chosen by
   * `memory`). Absent in models fitted before it.
   */
  holds?: HoldsModel;
  /** Model probability -> observed hold rate, fitted on series the model was not fitted on. */
  calibration: IsotonicMap;
  /** How the model was fitted and checked (out-of-fold figures on the dev traces). */
  fit: Record<string, number | string>;
};

const Z_MIN = -0.5;
const Z_MAX = 2.5;
const Z_STEP = 0.01;

export type MemoryChoice = {
  limitBytes: number;
  /** The model's probability that tomorrow's peak stays below the limit (before calibration). */
  modelProbability: number;
  /** Calibrated probability that the recommendation holds. */
  confidence: number;
  /** Location and spread of tomorrow's peak, as multiples of the 7-day peak (median, 90 % and 99 % quantile). */
  forecast: { median: number; q90: number; q99: number };
};

/** Relative slack of a limit against the expected p95 (the last day's, at most the 7-day peak). */
function expectedP95(e: Evidence): number {
  return e.memP95_1dBytes > 0
    ? Math.min(e.memP95_1dBytes, e.memPeak7dBytes)
    : e.memPeak7dBytes;
}

export function chooseMemoryLimit(
  evidence: Evidence,
  model: ConfidenceModel,
  options: { riskWeight: number; minBytes: number },
): MemoryChoice {
  const params = locationScale(model.memory, memoryFeatures(evidence));
  const ref = evidence.memPeak7dBytes;
  const p95 = expectedP95(evidence);
  const zFloor =
    options.minBytes > 0 ? Math.log(options.minBytes / ref) : Z_MIN;
  let bestZ = Math.max(Z_MIN, zFloor);
  let bestCost = Number.POSITIVE_INFINITY;
  for (let z = Math.max(Z_MIN, zFloor); z <= Z_MAX; z += Z_STEP) {
    const limit = ref * Math.exp(z);
    const cost =
      Math.max(0, 1 - p95 / limit) +
      options.riskWeight * (1 - cdfAt(params, z));
    if (cost < bestCost) {
      bestCost = cost;
      bestZ = z;
    }
  }
  const modelProbability = probabilityAt(evidence, model, params, bestZ);
  const at = (p: number): number =>
    Math.exp(params.mu + params.scale * Math.log(p / (1 - p)));
  return {
    limitBytes: ref * Math.exp(bestZ),
    modelProbability,
    confidence: confidenceOf(model, modelProbability),
    forecast: { median: Math.exp(params.mu), q90: at(0.9), q99: at(0.99) },
  };
}

/**
 * The holds model's running maximum over the envelope grid (Z_MIN + k ENVELOPE_STEP) for one
 * evidence, model and location-scale: a recommendation asks it several times (the choice, its
 * confidence and factors, each restatement) at the same evidence, so the grid is evaluated once.
 */
type Envelope = {
  model: ConfidenceModel;
  mu: number;
  scale: number;
  /** prefix[k] = max of the probabilities at grid points 0..k (Math.max: NaN sticks). */
  prefix: number[];
};
const envelopes = new WeakMap<Evidence, Envelope>();

/** The model probability that a limit at log(limit / 7-day peak) = z holds. */
function probabilityAt(
  evidence: Evidence,
  model: ConfidenceModel,
  params: { mu: number; scale: number },
  z: number,
): number {
  const holds = model.holds;
  if (!holds) return cdfAt(params, z);
  const at = (zz: number): number =>
    holdsProbability(
      holds,
      holdsFeatures(
        evidence,
        evidence.memPeak7dBytes * Math.exp(zz),
        (zz - params.mu) / params.scale,
      ),
    );
  let envelope = envelopes.get(evidence);
  if (
    envelope?.model !== model ||
    !Object.is(envelope.mu, params.mu) ||
    !Object.is(envelope.scale, params.scale)
  ) {
    envelope = { model, mu: params.mu, scale: params.scale, prefix: [] };
    envelopes.set(evidence, envelope);
  }
  const { prefix } = envelope;
  let count = 0;
  while (Z_MIN + count * ENVELOPE_STEP <= z + 1e-9) count++;
  for (let k = prefix.length; k < count; k++)
    prefix.push(
      Math.max(
        prefix[k - 1] ?? Number.NEGATIVE_INFINITY,
        at(Z_MIN + k * ENVELOPE_STEP),
      ),
    );
  const p =
    count > 0 ? (prefix[count - 1] ?? Number.NaN) : Number.NEGATIVE_INFINITY;
  return Number.isFinite(p) ? p : at(z);
}

const ENVELOPE_STEP = 0.05;

/** The model probability (before calibration) that `limitBytes` holds. */
function modelProbabilityAtLimit(
  evidence: Evidence,
  model: ConfidenceModel,
  limitBytes: number,
): number {
  const params = locationScale(model.memory, memoryFeatures(evidence));
  return probabilityAt(
    evidence,
    model,
    params,
    Math.log(limitBytes / evidence.memPeak7dBytes),
  );
}

/**
 * The priced cost of a memory limit today (relative slack against the expected p95 plus riskWeight x
 * the model's probability that tomorrow's peak exceeds it): what chooseMemoryLimit minimises. The
 * publication rule compares the published limit's cost with the fresh one's, so a change is material
 * only when it pays, not whenever a flat optimum wanders.
 */
export function memoryCost(
  evidence: Evidence,
  model: ConfidenceModel,
  options: { limitBytes: number; riskWeight: number },
): number {
  const params = locationScale(model.memory, memoryFeatures(evidence));
  const { limitBytes, riskWeight } = options;
  const z = Math.log(limitBytes / evidence.memPeak7dBytes);
  return (
    Math.max(0, 1 - expectedP95(evidence) / limitBytes) +
    riskWeight * (1 - cdfAt(params, z))
  );
}

/** The calibrated probability that tomorrow's peak stays below `limitBytes`. */
export function confidenceAtLimit(
  evidence: Evidence,
  model: ConfidenceModel,
  limitBytes: number,
): number {
  return confidenceOf(
    model,
    modelProbabilityAtLimit(evidence, model, limitBytes),
  );
}

/** The calibrated probability for a model probability. */
export function confidenceOf(model: ConfidenceModel, p: number): number {
  // Never 1: a block of calibration days that all held is evidence, not certainty.
  return Math.min(MAX_CONFIDENCE, applyIsotonic(model.calibration, p));
}

const MAX_CONFIDENCE = 0.999;
/** How many factors a recommendation lists. */
const TOP_FACTORS = 3;

const FACTOR_TEXT: Record<string, (value: number, raises: boolean) => string> =
  {
    "log(peak_1d/peak_7d)": (v, r) =>
      `yesterday's memory peak was ${(100 * Math.exp(v)).toFixed(0)} % of the 7-day peak${r ? " (well below it)" : ""}`,
    "log(peak_14d/peak_7d)": (v) =>
      v > 0.005
        ? `the week before reached ${(100 * Math.exp(v)).toFixed(0)} % of this week's peak`
        : "no higher peak in the week before",
    "log(p95_1d/peak_7d)": (v) =>
      `typical usage (p95) sits at ${(100 * Math.exp(v)).toFixed(0)} % of the 7-day peak`,
    mem_volatility: (v, r) =>
      `daily memory peaks ${r ? "varied little" : "varied a lot"} over 7 days (log-sd ${v.toFixed(2)})`,
    new_high_days: (v) => `${v} of the last 7 days set a new memory high`,
    near_miss_days: (v) =>
      `${v} of the last 7 days came within 3 % of the running peak`,
    mem_trend_per_day: (v) =>
      `memory peaks trend ${v >= 0 ? "up" : "down"} ${(100 * Math.abs(v)).toFixed(1)} % a day`,
    "log(peak/p95)": (v) =>
      `peaks are ${Math.exp(v).toFixed(2)}x the p95 (short spikes)`,
    history_days: (v) => `${Math.round(v * 14)} of 14 days of history`,
    gap_fraction: (v) => `${(100 * v).toFixed(0)} % of the last 7 days missing`,
    lstm_q50: (v) =>
      `the forecaster expects tomorrow's peak at ${(100 * Math.exp(v)).toFixed(0)} % of the 7-day peak`,
    "lstm_q98-q50": (v, r) =>
      `the forecaster is ${r ? "sure" : "unsure"} about tomorrow (spread ${v.toFixed(2)})`,
    "log(max_step/peak_7d)": (v, r) =>
      `the largest 5-minute rise in 14 days was ${(100 * Math.exp(v)).toFixed(0)} % of the 7-day peak${r ? " (small steps)" : ""}`,
    "log(hour_jump/peak_7d)": (v) =>
      `the largest jump above the running peak in 14 days was ${(100 * Math.exp(v)).toFixed(0)} % of the 7-day peak`,
    "std/peak_7d": (v, r) =>
      `memory ${r ? "stays close to its level" : "swings widely"} (spread ${(100 * v).toFixed(0)} % of the 7-day peak)`,
  };

/** The headroom factor in words: the limit against the 7-day peak and the largest steps seen. */
function headroomText(
  evidence: Evidence,
  limitBytes: number,
  raises: boolean,
): string {
  const peak = evidence.memPeak7dBytes;
  const over = (100 * (limitBytes / peak - 1)).toFixed(0);
  const step = evidence.memMaxStepBytes;
  const steps =
    step > 0
      ? `, ${((limitBytes - peak) / step).toFixed(1)}x the largest 5-minute rise of 14 days`
      : ", and memory never rose between readings in 14 days";
  return `the limit is ${over} % above the 7-day peak${steps} (${raises ? "ample" : "thin"} headroom)`;
}

/** Factors from the holds model: each feature's term of the log-odds, headroom terms as one. */
function explainHolds(
  evidence: Evidence,
  model: ConfidenceModel & { holds: HoldsModel },
  limitBytes: number,
): ConfidenceFactor[] {
  const params = locationScale(model.memory, memoryFeatures(evidence));
  const z = Math.log(limitBytes / evidence.memPeak7dBytes);
  const x = holdsFeatures(evidence, limitBytes, (z - params.mu) / params.scale);
  const { holds } = model;
  const full = holdsLogOdds(holds, x);
  // A feature's effect: the log-odds minus those with the feature at the average container's value.
  const without = (names: readonly string[]): number =>
    full -
    holdsLogOdds(
      holds,
      x.map((v, j) =>
        names.includes(holds.features[j] ?? "") ? (holds.mean[j] ?? v) : v,
      ),
    );
  const headroom: readonly string[] = HEADROOM_FEATURES;
  const effects = [
    { name: "headroom", delta: without(headroom), value: 0 },
    ...holds.features.flatMap((name, j) =>
      headroom.includes(name)
        ? []
        : [{ name, delta: without([name]), value: x[j] ?? 0 }],
    ),
  ];
  return topFactors(effects, (e, raises) =>
    e.name === "headroom"
      ? headroomText(evidence, limitBytes, raises)
      : undefined,
  );
}

/** The TOP_FACTORS largest effects, each in words (`special` first, then FACTOR_TEXT). */
function topFactors(
  effects: { name: string; delta: number; value: number }[],
  special: (
    e: { name: string; value: number },
    raises: boolean,
  ) => string | undefined = () => undefined,
): ConfidenceFactor[] {
  return effects
    .filter((e) => Math.abs(e.delta) > 0.05)
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
    .slice(0, TOP_FACTORS)
    .map((e) => {
      const raises = e.delta > 0;
      const text =
        special(e, raises) ?? FACTOR_TEXT[e.name]?.(e.value, raises) ?? e.name;
      return { name: e.name, effect: raises ? "raises" : "lowers", text };
    });
}

/**
 * The evidence that moves this container's confidence most, against an average container: each
 * feature's share of the standardised distance between the limit and tomorrow's expected peak.
 */
export function explainConfidence(
  evidence: Evidence,
  model: ConfidenceModel,
  limitBytes: number,
): ConfidenceFactor[] {
  if (model.holds)
    return explainHolds(evidence, { ...model, holds: model.holds }, limitBytes);
  const x = memoryFeatures(evidence);
  const z = Math.log(limitBytes / evidence.memPeak7dBytes);
  const full = locationScale(model.memory, x);
  const u = (z - full.mu) / full.scale;
  const effects = model.memory.features.map((name, j) => {
    const neutral = [...x];
    neutral[j] = model.memory.mean[j] ?? 0;
    const p = locationScale(model.memory, neutral);
    return { name, delta: u - (z - p.mu) / p.scale, value: x[j] ?? 0 };
  });
  return topFactors(effects);
}
