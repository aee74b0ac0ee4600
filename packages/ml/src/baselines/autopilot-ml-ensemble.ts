// One resource's Autopilot ML ensemble (Rzadca et al., EuroSys '20, eqs. 4-9; notes §2.4), fed one
// reading per step. Typed arrays throughout: it runs for every 5-minute sample of every series.
//
// Deviations from the paper (and why):
// - Eq. 5 as transcribed in the notes has no (L - b[j]) factor; without it o + u is constant and the
//   argmin degenerates to "the highest bucket ever seen". The underrun here is the wasted capacity,
//   normalised by the candidate limit: Σ_{b[j]<L} s[j]·(L - b[j]) / L (relative slack, as in the
//   paper's own relative-slack metric), so w_o and w_u are unit-free. Readings are kept exactly
//   (value-weighted sums per bucket), so only the candidate limits are quantised to bucket ends.
// - o(L) and u(L) are normalised by the total decayed weight, i.e. they are weighted means from the
//   first sample on instead of the recursion's zero start (the two agree after a few half-lives).
// - Decays are per sample at the series' nominal interval, so a gap does not erase the history.
// - Eq. 8 charges each model for the new reading against the limit it recommended `costLagSamples`
//   steps earlier (the paper scores in-sample, which rewards the fastest model): a recommendation
//   that is held for hours errs against readings it has not seen.
// - Eq. 9's last term is read as Δ(L[t-1], L_m[t]): switching models costs when it moves the limit.

export type EnsembleParams = {
  /** d_m of eq. 4/5, one per decay group; every margin is combined with every decay. */
  sampleDecays: number[];
  /** M_m of eq. 7 as a fraction of the limit (L_m = L'_m · (1 + M_m)): bucket ends are relative. */
  marginFractions: number[];
  overrunWeight: number;
  underrunWeight: number;
  limitChangeWeight: number;
  modelChangeWeight: number;
  /** d of eq. 8 (per sample). */
  costDecay: number;
  costLagSamples: number;
};

const MAX_GAIN = 1e200;
// Weight shares below this (1e-7 of the total) neither move o(L) nor u(L) visibly; dropping them
// from the candidate range keeps the fast models' ranges to their recent readings.
const NEGLIGIBLE = 1e-7;

/** Throws a RangeError naming the first invalid parameter. */
function assertEnsembleParams(params: EnsembleParams): void {
  const inUnit = (x: number): boolean => x > 0 && x <= 1;
  const problems = [
    params.sampleDecays.length === 0 && "no decay",
    params.marginFractions.length === 0 && "no margin",
    !params.sampleDecays.every(inUnit) && "sample decays must lie in (0, 1]",
    !inUnit(params.costDecay) && "cost decay must lie in (0, 1]",
    !params.marginFractions.every((x) => x > -1) && "margins must be > -1",
    ![
      params.overrunWeight,
      params.underrunWeight,
      params.limitChangeWeight,
      params.modelChangeWeight,
    ].every((w) => Number.isFinite(w) && w >= 0) &&
      "weights must be finite and >= 0",
    !(Number.isInteger(params.costLagSamples) && params.costLagSamples >= 1) &&
      "costLagSamples must be an integer >= 1",
  ].filter((p): p is string => typeof p === "string");
  if (problems.length > 0)
    throw new RangeError(`autopilot-ml ensemble: ${problems.join("; ")}`);
}

export class LimitEnsemble {
  /** Final limit L[t] (eq. 9); NaN before the first reading. */
  limit = Number.NaN;
  chosenModel = -1;
  readonly modelLimits: Float64Array;
  readonly modelCosts: Float64Array;
  readonly primeIndex: Int32Array;
  private readonly buckets: number;
  private readonly primeLimits: Float64Array;
  private readonly marginFactors: Float64Array;
  private readonly decayOf: Int32Array;
  private readonly invEnds: Float64Array;
  private readonly weights: Float64Array;
  private readonly valueSums: Float64Array;
  private readonly totals: Float64Array;
  private readonly gains: Float64Array;
  private readonly growth: Float64Array;
  /** Per decay: F's minimum at the last scan, and the prefix sums up to the current L'. */
  private readonly minCosts: Float64Array;
  private readonly primeCumW: Float64Array;
  private readonly primeCumV: Float64Array;
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly lagged: Float64Array;
  private lagFill = 0;
  private lagPos = 0;

  constructor(
    private readonly ends: Float64Array,
    private readonly params: EnsembleParams,
  ) {
    assertEnsembleParams(params);
    const d = params.sampleDecays.length;
    const m = d * params.marginFractions.length;
    this.buckets = ends.length;
    this.invEnds = ends.map((e) => 1 / e);
    this.weights = new Float64Array(d * this.buckets);
    this.valueSums = new Float64Array(d * this.buckets);
    this.totals = new Float64Array(d);
    this.gains = new Float64Array(d).fill(1);
    this.growth = Float64Array.from(
      params.sampleDecays,
      (x) => 1 / (1 - Math.min(x, 1 - 1e-12)),
    );
    this.minCosts = new Float64Array(d);
    this.primeCumW = new Float64Array(d);
    this.primeCumV = new Float64Array(d);
    this.lo = new Int32Array(d).fill(this.buckets);
    this.hi = new Int32Array(d).fill(-1);
    this.primeIndex = new Int32Array(d).fill(-1);
    this.primeLimits = new Float64Array(d);
    const margins = params.marginFractions;
    this.marginFactors = Float64Array.from(
      { length: m },
      (_, j) => 1 + (margins[j % margins.length] ?? 0),
    );
    this.decayOf = Int32Array.from({ length: m }, (_, j) =>
      Math.floor(j / margins.length),
    );
    this.modelLimits = new Float64Array(m).fill(Number.NaN);
    this.modelCosts = new Float64Array(m);
    this.lagged = new Float64Array(m * params.costLagSamples);
  }

  observe(value: number): void {
    const v = Math.min(value, this.ends[this.buckets - 1] ?? value);
    const bucket = this.bucketOf(v);
    for (let i = 0; i < this.primeIndex.length; i++) {
      this.addReading(i, bucket, v);
      const k = this.argminLimit(i);
      this.primeIndex[i] = k;
      this.primeLimits[i] = this.ends[k] ?? Number.NaN;
    }
    this.updateModels(v);
  }

  private bucketOf(v: number): number {
    let lo = 0;
    let hi = this.buckets - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ends[mid] ?? 0) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Eq. 4/5 as decayed histograms: a new reading weighs 1 / (1 - d) times the previous one.
  private addReading(i: number, bucket: number, v: number): void {
    const off = i * this.buckets;
    const gain = this.nextGain(i);
    this.gains[i] = gain;
    this.weights[off + bucket] = (this.weights[off + bucket] ?? 0) + gain;
    this.valueSums[off + bucket] =
      (this.valueSums[off + bucket] ?? 0) + gain * v;
    this.totals[i] = (this.totals[i] ?? 0) + gain;
    if (bucket <= (this.primeIndex[i] ?? -1)) {
      this.primeCumW[i] = (this.primeCumW[i] ?? 0) + gain;
      this.primeCumV[i] = (this.primeCumV[i] ?? 0) + gain * v;
    }
    this.shrinkRange(i, bucket);
  }

  /** The new reading's weight; past it the history is rescaled so the weights stay finite. */
  private nextGain(i: number): number {
    const gain = (this.gains[i] ?? 1) * (this.growth[i] ?? 1);
    return gain > MAX_GAIN ? this.rescale(i, gain) : gain;
  }

  private rescale(i: number, gain: number): number {
    const off = i * this.buckets;
    const scale = 1 / gain;
    for (let b = off; b < off + this.buckets; b++) {
      this.weights[b] = (this.weights[b] ?? 0) * scale;
      this.valueSums[b] = (this.valueSums[b] ?? 0) * scale;
    }
    for (const a of [
      this.totals,
      this.minCosts,
      this.primeCumW,
      this.primeCumV,
    ])
      a[i] = (a[i] ?? 0) * scale;
    return 1;
  }

  // Candidates outside the buckets holding (non-negligible) weight are never better than the edges.
  private shrinkRange(i: number, bucket: number): void {
    const off = i * this.buckets;
    const eps = NEGLIGIBLE * (this.totals[i] ?? 0);
    let lo = Math.min(this.lo[i] ?? bucket, bucket);
    let hi = Math.max(this.hi[i] ?? bucket, bucket);
    while (lo < hi && (this.weights[off + lo] ?? 0) < eps) lo++;
    while (hi > lo && (this.weights[off + hi] ?? 0) < eps) hi--;
    this.lo[i] = lo;
    this.hi[i] = hi;
  }

  // Eq. 6: argmin_L w_o·o(L) + w_u·u(L) + w_ΔL·Δ(L, L'[t-1]), all scaled by the total weight (F).
  // Every F(L) only grows between scans, so the last scan's minimum bounds the current one from
  // below: while F(L'[t-1]) stays within w_ΔL of it, the scan would keep L'[t-1] and is skipped.
  private argminLimit(i: number): number {
    const prev = this.primeIndex[i] ?? -1;
    const changeCost = this.params.limitChangeWeight * (this.totals[i] ?? 0);
    if (prev >= 0) {
      const { overrunWeight: wo, underrunWeight: wu } = this.params;
      const cumW = this.primeCumW[i] ?? 0;
      const cumV = this.primeCumV[i] ?? 0;
      const prevCost =
        wo * ((this.totals[i] ?? 0) - cumW) +
        wu * (cumW - cumV * (this.invEnds[prev] ?? 0));
      if (prevCost <= (this.minCosts[i] ?? 0) + changeCost) return prev;
    }
    return this.scan(i, prev, changeCost);
  }

  private scan(i: number, prev: number, changeCost: number): number {
    const off = i * this.buckets;
    const total = this.totals[i] ?? 0;
    const { overrunWeight: wo, underrunWeight: wu } = this.params;
    const from = this.scanFrom(i, prev);
    const to = Math.max(this.hi[i] ?? 0, prev);
    const { weights, valueSums, invEnds } = this;
    let cumW = 0;
    let cumV = 0;
    let best = Number.POSITIVE_INFINITY;
    let bestK = to;
    let bestW = 0;
    let bestV = 0;
    let kept = Number.POSITIVE_INFINITY;
    let keptW = 0;
    let keptV = 0;
    for (let k = from; k <= to; k++) {
      cumW += weights[off + k] ?? 0;
      cumV += valueSums[off + k] ?? 0;
      const cost = wo * (total - cumW) + wu * (cumW - cumV * (invEnds[k] ?? 0));
      if (cost < best) {
        best = cost;
        bestK = k;
        bestW = cumW;
        bestV = cumV;
      }
      if (k === prev) {
        kept = cost;
        keptW = cumW;
        keptV = cumV;
      }
    }
    this.minCosts[i] = best;
    if (kept <= best + changeCost) {
      this.primeCumW[i] = keptW;
      this.primeCumV[i] = keptV;
      return prev;
    }
    this.primeCumW[i] = bestW;
    this.primeCumV[i] = bestV;
    return bestK;
  }

  // One bucket below the range (everything overruns), and the previous limit wherever it lies.
  private scanFrom(i: number, prev: number): number {
    const lo = this.lo[i] ?? 0;
    return Math.max(0, Math.min(lo - 1, prev < 0 ? lo : prev));
  }

  // Eq. 7/8: each model's limit and its decayed cost against the limit it set costLagSamples ago;
  // eq. 9: argmin_m c_m + w_Δm·Δ(m[t-1], m) + w_ΔL·Δ(L[t-1], L_m[t]). One pass over the models.
  private updateModels(v: number): void {
    const { overrunWeight: wo, underrunWeight: wu } = this.params;
    const { limitChangeWeight: wl, costDecay: d, costLagSamples } = this.params;
    const { modelLimits, modelCosts, lagged } = this;
    const charged = this.lagFill >= costLagSamples;
    const lagOff = this.lagPos * modelLimits.length;
    let best = Number.POSITIVE_INFINITY;
    let chosen = 0;
    for (let m = 0; m < modelLimits.length; m++) {
      const previous = modelLimits[m];
      const limit = this.modelLimit(m);
      modelLimits[m] = limit;
      const inForce = lagged[lagOff + m] ?? limit;
      lagged[lagOff + m] = limit;
      if (charged) {
        const step =
          (v > inForce ? wo : wu * (1 - v / inForce)) +
          (previous === limit ? 0 : wl);
        modelCosts[m] = d * step + (1 - d) * (modelCosts[m] ?? 0);
      }
      const cost = this.modelCost(m, limit);
      if (cost < best) {
        best = cost;
        chosen = m;
      }
    }
    this.lagPos = (this.lagPos + 1) % costLagSamples;
    this.lagFill = Math.min(this.lagFill + 1, costLagSamples);
    this.chosenModel = chosen;
    this.limit = modelLimits[chosen] ?? Number.NaN;
  }

  /** Eq. 7: the model's decay group's L' with the model's margin. */
  private modelLimit(m: number): number {
    return (
      (this.primeLimits[this.decayOf[m] ?? 0] ?? 0) *
      (this.marginFactors[m] ?? 1)
    );
  }

  /** Eq. 9 for one model: its charged cost plus what switching model and limit would cost. */
  private modelCost(m: number, limit: number): number {
    const { limitChangeWeight: wl, modelChangeWeight: wm } = this.params;
    return (
      (this.modelCosts[m] ?? 0) +
      (m === this.chosenModel ? 0 : wm) +
      (limit === this.limit ? 0 : wl)
    );
  }
}
