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
//   is held for 24 h, so that is the error that matters.
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
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly lagged: Float64Array;
  private lagFill = 0;
  private lagPos = 0;

  constructor(
    private readonly ends: Float64Array,
    private readonly params: EnsembleParams,
  ) {
    const d = params.sampleDecays.length;
    const m = d * params.marginFractions.length;
    if (d === 0 || m === 0)
      throw new RangeError("ensemble needs at least one decay and one margin");
    if (!params.sampleDecays.every((x) => x > 0 && x <= 1))
      throw new RangeError("sample decays must lie in (0, 1]");
    if (!(params.costDecay > 0 && params.costDecay <= 1))
      throw new RangeError("cost decay must lie in (0, 1]");
    if (!(
      Number.isInteger(params.costLagSamples) && params.costLagSamples >= 1
    ))
      throw new RangeError("costLagSamples must be an integer >= 1");
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
    this.chargeModels(v);
    this.advanceLag();
    this.chooseModel();
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
    let gain = (this.gains[i] ?? 1) * (this.growth[i] ?? 1);
    if (gain > MAX_GAIN) gain = this.rescale(i, gain);
    this.gains[i] = gain;
    this.weights[off + bucket] = (this.weights[off + bucket] ?? 0) + gain;
    this.valueSums[off + bucket] =
      (this.valueSums[off + bucket] ?? 0) + gain * v;
    this.totals[i] = (this.totals[i] ?? 0) + gain;
    this.shrinkRange(i, bucket);
  }

  private rescale(i: number, gain: number): number {
    const off = i * this.buckets;
    const scale = 1 / gain;
    for (let b = off; b < off + this.buckets; b++) {
      this.weights[b] = (this.weights[b] ?? 0) * scale;
      this.valueSums[b] = (this.valueSums[b] ?? 0) * scale;
    }
    this.totals[i] = (this.totals[i] ?? 0) * scale;
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

  // Eq. 6: argmin_L w_o·o(L) + w_u·u(L) + w_ΔL·Δ(L, L'[t-1]), all scaled by the total weight.
  private argminLimit(i: number): number {
    const off = i * this.buckets;
    const total = this.totals[i] ?? 0;
    const { overrunWeight: wo, underrunWeight: wu } = this.params;
    const prev = this.primeIndex[i] ?? -1;
    const lo = this.lo[i] ?? 0;
    // One bucket below the range (everything overruns), and the previous limit wherever it lies.
    const from = Math.max(0, Math.min(lo - 1, prev < 0 ? lo : prev));
    const to = Math.max(this.hi[i] ?? 0, prev);
    const { weights, valueSums, invEnds } = this;
    let cumW = 0;
    let cumV = 0;
    let best = Number.POSITIVE_INFINITY;
    let bestK = to;
    let prevCost = Number.POSITIVE_INFINITY;
    for (let k = from; k <= to; k++) {
      cumW += weights[off + k] ?? 0;
      cumV += valueSums[off + k] ?? 0;
      const cost = wo * (total - cumW) + wu * (cumW - cumV * (invEnds[k] ?? 0));
      if (cost < best) {
        best = cost;
        bestK = k;
      }
      if (k === prev) prevCost = cost;
    }
    return prevCost <= best + this.params.limitChangeWeight * total
      ? prev
      : bestK;
  }

  // Eq. 7/8: each model's limit, and its decayed cost against the limit it set costLagSamples ago.
  private chargeModels(v: number): void {
    const { overrunWeight: wo, underrunWeight: wu } = this.params;
    const { limitChangeWeight: wl, costDecay: d } = this.params;
    const { modelLimits, modelCosts, lagged, marginFactors, decayOf } = this;
    const charged = this.lagFill >= this.params.costLagSamples;
    const lagOff = this.lagPos * modelLimits.length;
    for (let m = 0; m < modelLimits.length; m++) {
      const previous = modelLimits[m];
      const limit =
        (this.primeLimits[decayOf[m] ?? 0] ?? 0) * (marginFactors[m] ?? 1);
      modelLimits[m] = limit;
      if (!charged) continue;
      const inForce = lagged[lagOff + m] ?? limit;
      const step =
        (v > inForce ? wo : wu * (1 - v / inForce)) +
        (previous === limit ? 0 : wl);
      modelCosts[m] = d * step + (1 - d) * (modelCosts[m] ?? 0);
    }
  }

  private advanceLag(): void {
    this.lagged.set(this.modelLimits, this.lagPos * this.modelLimits.length);
    this.lagPos = (this.lagPos + 1) % this.params.costLagSamples;
    this.lagFill = Math.min(this.lagFill + 1, this.params.costLagSamples);
  }

  // Eq. 9: argmin_m c_m + w_Δm·Δ(m[t-1], m) + w_ΔL·Δ(L[t-1], L_m[t]).
  private chooseModel(): void {
    const { modelChangeWeight, limitChangeWeight } = this.params;
    let best = Number.POSITIVE_INFINITY;
    let chosen = 0;
    for (let m = 0; m < this.modelLimits.length; m++) {
      const cost =
        (this.modelCosts[m] ?? 0) +
        (m === this.chosenModel ? 0 : modelChangeWeight) +
        (this.modelLimits[m] === this.limit ? 0 : limitChangeWeight);
      if (cost < best) {
        best = cost;
        chosen = m;
      }
    }
    this.chosenModel = chosen;
    this.limit = this.modelLimits[chosen] ?? Number.NaN;
  }
}
