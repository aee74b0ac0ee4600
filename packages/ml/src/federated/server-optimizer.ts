// Server-side optimiser of a federated round (Reddi et al., "Adaptive Federated Optimization",
// arXiv 2003.00295): the aggregated delta is a pseudo-gradient; the server applies it with its own
// learning rate and momentum instead of adding it as is. momentum 0 and learning rate 1 is FedAvg,
// what the aggregator does; bench:federated tries the others (--server-lr, --server-momentum,
// --server-adam-beta2 / --server-adam-tau for FedAdam).

/**
 * FedAvgM: m = momentum * m + delta; w = w + learningRate * m.
 * FedAdam (`adam` set): m = momentum * m + (1 - momentum) * delta,
 * v = beta2 * v + (1 - beta2) * delta^2, w = w + learningRate * m / (sqrt(v) + tau)
 * (Reddi et al.'s Algorithm 2, no bias correction).
 */
export type ServerOptimizerSettings = {
  learningRate: number;
  momentum: number;
  adam?: { beta2: number; tau: number };
};

/** What the next round needs from this one. */
export type ServerOptimizerState = {
  /** Momentum buffer, one value per parameter (float32 like the parameters). */
  momentum: Float32Array;
  /** FedAdam's second-moment buffer. */
  variance?: Float32Array;
};

export const PLAIN_FEDAVG: ServerOptimizerSettings = {
  learningRate: 1,
  momentum: 0,
};

function checkSettings(settings: ServerOptimizerSettings): void {
  if (
    !(settings.learningRate > 0) ||
    !(settings.momentum >= 0 && settings.momentum < 1)
  )
    throw new RangeError(
      `server learning rate ${settings.learningRate} must be > 0 and momentum ${settings.momentum} in [0, 1)`,
    );
  const adam = settings.adam;
  if (adam && !(adam.beta2 >= 0 && adam.beta2 < 1 && adam.tau > 0))
    throw new RangeError(
      `FedAdam beta2 ${adam.beta2} must be in [0, 1) and tau ${adam.tau} > 0`,
    );
}

/**
 * The next global parameters and optimiser state from the base parameters, the round's aggregated
 * delta and the state the base version carries (none: zero buffers).
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
  checkSettings(settings);
  const previous =
    state?.momentum.length === base.length ? state.momentum : undefined;
  if (settings.adam)
    return fedAdamStep(base, delta, settings, {
      momentum: previous,
      variance:
        previous && state?.variance?.length === base.length
          ? state.variance
          : undefined,
    });
  const momentum = new Float32Array(base.length);
  const params = new Float64Array(base.length);
  for (let k = 0; k < base.length; k++) {
    const m = settings.momentum * (previous?.[k] ?? 0) + (delta[k] ?? 0);
    momentum[k] = m;
    params[k] = (base[k] ?? 0) + settings.learningRate * m;
  }
  return { params, state: { momentum } };
}

function fedAdamStep(
  base: ArrayLike<number>,
  delta: ArrayLike<number>,
  settings: ServerOptimizerSettings,
  previous: {
    momentum: Float32Array | undefined;
    variance: Float32Array | undefined;
  },
): { params: Float64Array; state: ServerOptimizerState } {
  const { beta2, tau } = settings.adam ?? { beta2: 0, tau: 1 };
  const b1 = settings.momentum;
  const momentum = new Float32Array(base.length);
  const variance = new Float32Array(base.length);
  const params = new Float64Array(base.length);
  for (let k = 0; k < base.length; k++) {
    const d = delta[k] ?? 0;
    const m = b1 * (previous.momentum?.[k] ?? 0) + (1 - b1) * d;
    const v = beta2 * (previous.variance?.[k] ?? 0) + (1 - beta2) * d * d;
    momentum[k] = m;
    variance[k] = v;
    params[k] =
      (base[k] ?? 0) + (settings.learningRate * m) / (Math.sqrt(v) + tau);
  }
  return { params, state: { momentum, variance } };
}
