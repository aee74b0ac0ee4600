// Server-side optimiser of a federated round (Reddi et al., "Adaptive Federated Optimization",
// arXiv 2003.00295): the aggregated delta is a pseudo-gradient; the server applies it with its own
// learning rate and momentum instead of adding it as is. momentum 0 and learning rate 1 is FedAvg,
// what the aggregator does; bench:federated tries the others (--server-lr, --server-momentum).

/** FedAvgM: m = momentum * m + delta; w = w + learningRate * m. */
export type ServerOptimizerSettings = {
  learningRate: number;
  momentum: number;
};

/** What the next round needs from this one. */
export type ServerOptimizerState = {
  /** Momentum buffer, one value per parameter (float32 like the parameters). */
  momentum: Float32Array;
};

export const PLAIN_FEDAVG: ServerOptimizerSettings = {
  learningRate: 1,
  momentum: 0,
};

/**
 * The next global parameters and optimiser state from the base parameters, the round's aggregated
 * delta and the state the base version carries (none: a zero momentum buffer).
 */
export function applyServerUpdate(
  base: ArrayLike<number>,
  delta: ArrayLike<number>,
  settings: ServerOptimizerSettings,
  state: ServerOptimizerState | undefined,
): { params: Float64Array; state: ServerOptimizerState } {
  if (delta.length !== base.length)
    throw new RangeError(
      `delta has ${delta.length} values, the model has ${base.length}`,
    );
  if (
    !(settings.learningRate > 0) ||
    !(settings.momentum >= 0 && settings.momentum < 1)
  )
    throw new RangeError(
      `server learning rate ${settings.learningRate} must be > 0 and momentum ${settings.momentum} in [0, 1)`,
    );
  const previous =
    state?.momentum.length === base.length ? state.momentum : undefined;
  const momentum = new Float32Array(base.length);
  const params = new Float64Array(base.length);
  for (let k = 0; k < base.length; k++) {
    const m = settings.momentum * (previous?.[k] ?? 0) + (delta[k] ?? 0);
    momentum[k] = m;
    params[k] = (base[k] ?? 0) + settings.learningRate * m;
  }
  return { params, state: { momentum } };
}
