/** A model as named flat tensors (e.g. LSTM W, R, B, dense kernel and bias). */
export type ModelTensors = Record<string, Float32Array>;

export type ClientUpdate = { tensors: ModelTensors; sampleCount: number };

export type Aggregation =
  | { kind: "mean" }
  | { kind: "median" }
  | { kind: "trimmed-mean"; trimFraction: number };

export type FedAvgOptions = {
  aggregation: Aggregation;
  /** L2 bound on each client's delta from the global model (all tensors together); Infinity = no clipping. */
  clipNorm: number;
};

function checkShapes(global: ModelTensors, update: ModelTensors): void {
  for (const [name, g] of Object.entries(global)) {
    const u = update[name];
    if (!u) throw new RangeError(`client update lacks tensor ${name}`);
    if (u.length !== g.length)
      throw new RangeError(
        `tensor ${name} has ${u.length} values, global has ${g.length}`,
      );
    for (const v of u)
      if (!Number.isFinite(v))
        throw new RangeError(`tensor ${name} holds a non-finite value`);
  }
}

/** Scales the client's delta so its L2 norm is at most clipNorm (bounds any single client's pull). */
export function clipDelta(
  global: ModelTensors,
  update: ModelTensors,
  clipNorm: number,
): ModelTensors {
  let squared = 0;
  for (const [name, g] of Object.entries(global)) {
    const u = update[name] ?? g;
    for (let i = 0; i < g.length; i++)
      squared += ((u[i] ?? 0) - (g[i] ?? 0)) ** 2;
  }
  const norm = Math.sqrt(squared);
  const scale = norm > clipNorm ? clipNorm / norm : 1;
  const out: ModelTensors = {};
  for (const [name, g] of Object.entries(global)) {
    const u = update[name] ?? g;
    out[name] = Float32Array.from(
      g,
      (gv, i) => gv + ((u[i] ?? gv) - gv) * scale,
    );
  }
  return out;
}

function aggregateCoordinate(
  values: number[],
  weights: number[],
  aggregation: Aggregation,
): number {
  if (aggregation.kind === "mean") {
    let sum = 0;
    let total = 0;
    values.forEach((v, i) => {
      sum += v * (weights[i] ?? 0);
      total += weights[i] ?? 0;
    });
    return sum / total;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (aggregation.kind === "median") {
    return n % 2 === 1
      ? (sorted[(n - 1) / 2] ?? 0)
      : ((sorted[n / 2 - 1] ?? 0) + (sorted[n / 2] ?? 0)) / 2;
  }
  const k = Math.min(
    Math.floor(aggregation.trimFraction * n),
    Math.floor((n - 1) / 2),
  );
  const kept = sorted.slice(k, n - k);
  return kept.reduce((a, v) => a + v, 0) / kept.length;
}

/**
 * One FedAvg round: clip each client's delta, then aggregate coordinate-wise — sample-weighted mean
 * (plain FedAvg) or, robust to poisoned clients, the median or trimmed mean (unweighted).
 */
export function federatedAverage(
  global: ModelTensors,
  updates: readonly ClientUpdate[],
  options: FedAvgOptions,
): ModelTensors {
  if (updates.length === 0)
    throw new RangeError("FedAvg needs at least one client update");
  if (!(options.clipNorm > 0))
    throw new RangeError(`clipNorm must be positive, got ${options.clipNorm}`);
  const { aggregation } = options;
  if (
    aggregation.kind === "trimmed-mean" &&
    !(aggregation.trimFraction >= 0 && aggregation.trimFraction < 0.5)
  ) {
    throw new RangeError(
      `trimFraction must be in [0, 0.5), got ${aggregation.trimFraction}`,
    );
  }
  for (const u of updates) {
    if (!(u.sampleCount > 0))
      throw new RangeError(
        `sampleCount must be positive, got ${u.sampleCount}`,
      );
    checkShapes(global, u.tensors);
  }
  const clipped = updates.map((u) =>
    clipDelta(global, u.tensors, options.clipNorm),
  );
  const weights = updates.map((u) => u.sampleCount);
  const out: ModelTensors = {};
  for (const [name, g] of Object.entries(global)) {
    out[name] = Float32Array.from(g, (_, i) =>
      aggregateCoordinate(
        clipped.map((c) => c[name]?.[i] ?? 0),
        weights,
        aggregation,
      ),
    );
  }
  return out;
}
