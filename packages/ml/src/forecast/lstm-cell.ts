import type { LstmWeights } from "./lstm-weights";

/** Weights widened to float64 once (the values are identical; the hot loop then reads no float32). */
export type WideWeights = {
  w: Float64Array;
  r: Float64Array;
  bias: Float64Array;
  denseKernel: Float64Array;
  denseBias: Float64Array;
};

const widened = new WeakMap<LstmWeights, WideWeights>();

export function widen(weights: LstmWeights): WideWeights {
  let wide = widened.get(weights);
  if (!wide) {
    wide = {
      w: Float64Array.from(weights.w),
      r: Float64Array.from(weights.r),
      bias: Float64Array.from(weights.bias),
      denseKernel: Float64Array.from(weights.denseKernel),
      denseBias: Float64Array.from(weights.denseBias),
    };
    widened.set(weights, wide);
  }
  return wide;
}

/** One LSTM cell update from the gate pre-activations (gates i, o, f, c at `gatesAt`); h at `hAt`. */
export function updateCell(
  state: { h: Float64Array; c: Float64Array; gates: Float64Array },
  at: { gatesAt: number; hAt: number },
  nH: number,
): void {
  const { h, c, gates } = state;
  const { gatesAt: g, hAt } = at;
  for (let u = 0; u < nH; u++) {
    const i = hardSigmoid(gates[g + u] ?? 0);
    const o = hardSigmoid(gates[g + nH + u] ?? 0);
    const f = hardSigmoid(gates[g + 2 * nH + u] ?? 0);
    const cu = f * (c[u] ?? 0) + i * Math.tanh(gates[g + 3 * nH + u] ?? 0);
    c[u] = cu;
    h[hAt + u] = o * Math.tanh(cu);
  }
}

export function writeDense(
  wide: WideWeights,
  target: {
    h: Float64Array;
    hAt: number;
    row: number;
    out: Float32Array | Float64Array;
  },
): void {
  const nOut = wide.denseBias.length;
  const nH = wide.denseKernel.length / nOut;
  for (let j = 0; j < nOut; j++) {
    let acc = wide.denseBias[j] ?? 0;
    for (let k = 0; k < nH; k++)
      acc +=
        (target.h[target.hAt + k] ?? 0) * (wide.denseKernel[k * nOut + j] ?? 0);
    target.out[target.row * nOut + j] = acc;
  }
}

function hardSigmoid(x: number): number {
  return Math.min(1, Math.max(0, 0.2 * x + 0.5));
}
