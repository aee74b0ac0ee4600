// A conditional distribution of tomorrow's peak: P(log(peak / reference) <= z | evidence x) =
// sigmoid((z - mu(x)) / s(x)), with mu and log s linear in the standardised evidence. Stable containers
// get a small s (a tight forecast, so a small margin already holds with high probability), volatile
// ones a large s: the resolution the confidence needs. Fitted by gradient descent on the binary
// cross-entropy of "the peak stayed below z" over a grid of thresholds z (a distributional regression).

export type LocationScaleModel = {
  features: readonly string[];
  /** Standardisation of each feature. */
  mean: number[];
  std: number[];
  /** [bias, weights...] of mu(x). */
  location: number[];
  /** [bias, weights...] of log s(x). */
  logScale: number[];
};

const sigmoid = (u: number): number =>
  u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u));

function linear(weights: readonly number[], x: readonly number[]): number {
  let v = weights[0] ?? 0;
  for (let j = 0; j < x.length; j++) v += (weights[j + 1] ?? 0) * (x[j] ?? 0);
  return v;
}

function standardise(
  model: LocationScaleModel,
  x: readonly number[],
): number[] {
  return x.map((v, j) => (v - (model.mean[j] ?? 0)) / (model.std[j] ?? 1));
}

/** mu and s for one container's evidence. */
export function locationScale(
  model: LocationScaleModel,
  x: readonly number[],
): { mu: number; scale: number } {
  const z = standardise(model, x);
  const logS = Math.max(-8, Math.min(3, linear(model.logScale, z)));
  return { mu: linear(model.location, z), scale: Math.exp(logS) };
}

/** P(log(peak / reference) <= z). */
export function cdfAt(
  params: { mu: number; scale: number },
  z: number,
): number {
  return sigmoid((z - params.mu) / params.scale);
}

export type FitRow = { x: number[]; y: number };

type Moments = { mean: number[]; std: number[] };

/** Per-column mean and standard deviation (1 where a column is constant). */
function moments(rows: readonly FitRow[], width: number): Moments {
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < width; j++) {
    const column = rows.map((r) => r.x[j] ?? 0);
    const m = column.reduce((a, v) => a + v, 0) / rows.length;
    const variance = column.reduce((a, v) => a + (v - m) ** 2, 0) / rows.length;
    mean.push(m);
    std.push(Math.sqrt(variance) || 1);
  }
  return { mean, std };
}

/** Adam state for one parameter vector. */
type Adam = { m: number[]; v: number[] };

function adamStep(
  step: { params: number[]; grad: number[]; state: Adam },
  at: { t: number; rate: number },
): void {
  const { params, grad, state } = step;
  const b1 = 0.9;
  const b2 = 0.999;
  for (let j = 0; j < params.length; j++) {
    const g = grad[j] ?? 0;
    state.m[j] = b1 * (state.m[j] ?? 0) + (1 - b1) * g;
    state.v[j] = b2 * (state.v[j] ?? 0) + (1 - b2) * g * g;
    const mHat = (state.m[j] ?? 0) / (1 - b1 ** at.t);
    const vHat = (state.v[j] ?? 0) / (1 - b2 ** at.t);
    params[j] = (params[j] ?? 0) - (at.rate * mHat) / (Math.sqrt(vHat) + 1e-8);
  }
}

/** Adds one row's gradient of the threshold cross-entropies to gL (mu) and gS (log s). */
function addRowGradient(
  row: { x: number[]; y: number },
  params: {
    location: number[];
    logScale: number[];
    thresholds: readonly number[];
  },
  grad: { gL: number[]; gS: number[] },
): void {
  const { x, y } = row;
  const mu = linear(params.location, x);
  const s = Math.exp(Math.max(-8, Math.min(3, linear(params.logScale, x))));
  let dMu = 0;
  let dLogS = 0;
  for (const z of params.thresholds) {
    const u = (z - mu) / s;
    const err = sigmoid(u) - (y <= z ? 1 : 0);
    dMu -= err / s;
    dLogS -= err * u;
  }
  grad.gL[0] = (grad.gL[0] ?? 0) + dMu;
  grad.gS[0] = (grad.gS[0] ?? 0) + dLogS;
  for (let j = 0; j < x.length; j++) {
    grad.gL[j + 1] = (grad.gL[j + 1] ?? 0) + dMu * (x[j] ?? 0);
    grad.gS[j + 1] = (grad.gS[j + 1] ?? 0) + dLogS * (x[j] ?? 0);
  }
}

/** Start: mu at the median of y, s from its interquartile range, every weight zero. */
function initialParams(
  ys: readonly number[],
  width: number,
): { location: number[]; logScale: number[] } {
  const sortedY = [...ys].sort((a, b) => a - b);
  const at = (q: number): number =>
    sortedY[Math.floor(q * sortedY.length)] ?? 0;
  const location = new Array<number>(width + 1).fill(0);
  const logScale = new Array<number>(width + 1).fill(0);
  location[0] = sortedY[sortedY.length >> 1] ?? 0;
  logScale[0] = Math.log(Math.max(1e-3, (at(0.75) - at(0.25)) / 2.2));
  return { location, logScale };
}

type FitData = {
  xs: number[][];
  ys: number[];
  thresholds: readonly number[];
  l2: number;
};

/** The mean gradient over rows and thresholds, plus the L2 penalty on the weights (not the biases). */
function meanGradient(
  data: FitData,
  params: { location: number[]; logScale: number[] },
): { gL: number[]; gS: number[] } {
  const width = params.location.length;
  const gL = new Array<number>(width).fill(0);
  const gS = new Array<number>(width).fill(0);
  for (let i = 0; i < data.xs.length; i++)
    addRowGradient(
      { x: data.xs[i] ?? [], y: data.ys[i] ?? 0 },
      { ...params, thresholds: data.thresholds },
      { gL, gS },
    );
  const n = data.xs.length * data.thresholds.length;
  for (let j = 0; j < width; j++) {
    const reg = j === 0 ? 0 : data.l2;
    gL[j] = (gL[j] ?? 0) / n + reg * (params.location[j] ?? 0);
    gS[j] = (gS[j] ?? 0) / n + reg * (params.logScale[j] ?? 0);
  }
  return { gL, gS };
}

/**
 * Fits mu(x) and log s(x) on (evidence, outcome) rows: minimises the mean over rows and thresholds of
 * the cross-entropy of 1{y <= z} against sigmoid((z - mu) / s), plus a small L2 penalty on weights.
 * Deterministic (full batch, zero start).
 */
export function fitLocationScale(
  rows: readonly FitRow[],
  options: {
    features: readonly string[];
    thresholds: readonly number[];
    iterations?: number;
    rate?: number;
    l2?: number;
  },
): LocationScaleModel {
  const width = options.features.length;
  if (rows.length === 0) throw new RangeError("no rows to fit");
  if (rows.some((r) => r.x.length !== width || !Number.isFinite(r.y)))
    throw new RangeError(`every row needs ${width} features and a finite y`);
  const { mean, std } = moments(rows, width);
  const data: FitData = {
    xs: rows.map((r) =>
      r.x.map((v, j) => (v - (mean[j] ?? 0)) / (std[j] ?? 1)),
    ),
    ys: rows.map((r) => Math.max(-5, Math.min(5, r.y))),
    thresholds: options.thresholds,
    l2: options.l2 ?? 1e-4,
  };
  const { location, logScale } = initialParams(data.ys, width);
  const stateL: Adam = { m: [], v: [] };
  const stateS: Adam = { m: [], v: [] };
  const { iterations = 400, rate = 0.05 } = options;
  for (let t = 1; t <= iterations; t++) {
    const { gL, gS } = meanGradient(data, { location, logScale });
    const decayed = rate / Math.sqrt(1 + t / 100);
    adamStep(
      { params: location, grad: gL, state: stateL },
      { t, rate: decayed },
    );
    adamStep(
      { params: logScale, grad: gS, state: stateS },
      { t, rate: decayed },
    );
  }
  return { features: [...options.features], mean, std, location, logScale };
}
