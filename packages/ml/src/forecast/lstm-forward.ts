import type { LstmWeights } from "./lstm-weights";

/** Weights widened to float64 once (the values are identical; the hot loop then reads no float32). */
type WideWeights = {
  w: Float64Array;
  r: Float64Array;
  bias: Float64Array;
  denseKernel: Float64Array;
  denseBias: Float64Array;
};

const widened = new WeakMap<LstmWeights, WideWeights>();

function widen(weights: LstmWeights): WideWeights {
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

type Scratch = {
  h: Float64Array;
  c: Float64Array;
  gates: Float64Array;
  x: Float64Array;
};

/**
 * Reference forward pass in plain TypeScript, numerically the same graph as the exported ONNX
 * model; it serves synchronous callers (the harness' recommend()) where onnxruntime is async.
 * `input` is row-major [batch, seqLen, inputSize]; returns row-major [batch, outputSize].
 */
export function runLstmForward(
  weights: LstmWeights,
  input: Float32Array,
  shape: { batch: number; seqLen: number },
): Float32Array {
  const out = new Float32Array(shape.batch * weights.outputSize);
  forwardInto(weights, input, { ...shape, out });
  return out;
}

/**
 * The same pass before the float32 rounding of the output. Each gate sums bias, input terms, then
 * recurrent terms in index order, in float64: another order changes the last bits of forecasts.
 */
export function runLstmForwardFloat64(
  weights: LstmWeights,
  input: Float32Array,
  shape: { batch: number; seqLen: number },
): Float64Array {
  const out = new Float64Array(shape.batch * weights.outputSize);
  forwardInto(weights, input, { ...shape, out });
  return out;
}

function forwardInto(
  weights: LstmWeights,
  input: Float32Array,
  shape: { batch: number; seqLen: number; out: Float32Array | Float64Array },
): void {
  const { inputSize: nIn, hiddenSize: nH, outputSize: nOut } = weights;
  const { batch, seqLen, out } = shape;
  if (input.length !== batch * seqLen * nIn) {
    throw new RangeError(
      `input has ${input.length} values, expected ${batch}x${seqLen}x${nIn}`,
    );
  }
  const wide = widen(weights);
  const scratch: Scratch = {
    h: new Float64Array(nH),
    c: new Float64Array(nH),
    gates: new Float64Array(4 * nH),
    x: new Float64Array(nIn),
  };
  for (let b = 0; b < batch; b++) {
    scratch.h.fill(0);
    scratch.c.fill(0);
    for (let t = 0; t < seqLen; t++) {
      const from = (b * seqLen + t) * nIn;
      for (let k = 0; k < nIn; k++) scratch.x[k] = input[from + k] ?? 0;
      lstmStep(wide, { nIn, nH }, scratch);
    }
    for (let j = 0; j < nOut; j++) {
      let acc = wide.denseBias[j] ?? 0;
      for (let k = 0; k < nH; k++)
        acc += (scratch.h[k] ?? 0) * (wide.denseKernel[k * nOut + j] ?? 0);
      out[b * nOut + j] = acc;
    }
  }
}

function hardSigmoid(x: number): number {
  return Math.min(1, Math.max(0, 0.2 * x + 0.5));
}

/** Four gates at a time: four independent sums keep the FPU busy (one sum is latency-bound). */
function lstmStep(
  wide: WideWeights,
  sizes: { nIn: number; nH: number },
  scratch: Scratch,
): void {
  const { nIn, nH } = sizes;
  const { w, r, bias } = wide;
  const { h, c, gates, x } = scratch;
  const nGates = 4 * nH;
  for (let g = 0; g < nGates; g += 4) {
    let a0 = bias[g] ?? 0;
    let a1 = bias[g + 1] ?? 0;
    let a2 = bias[g + 2] ?? 0;
    let a3 = bias[g + 3] ?? 0;
    const w0 = g * nIn;
    for (let k = 0; k < nIn; k++) {
      const xk = x[k] ?? 0;
      a0 += (w[w0 + k] ?? 0) * xk;
      a1 += (w[w0 + nIn + k] ?? 0) * xk;
      a2 += (w[w0 + 2 * nIn + k] ?? 0) * xk;
      a3 += (w[w0 + 3 * nIn + k] ?? 0) * xk;
    }
    const r0 = g * nH;
    for (let k = 0; k < nH; k++) {
      const hk = h[k] ?? 0;
      a0 += (r[r0 + k] ?? 0) * hk;
      a1 += (r[r0 + nH + k] ?? 0) * hk;
      a2 += (r[r0 + 2 * nH + k] ?? 0) * hk;
      a3 += (r[r0 + 3 * nH + k] ?? 0) * hk;
    }
    gates[g] = a0;
    gates[g + 1] = a1;
    gates[g + 2] = a2;
    gates[g + 3] = a3;
  }
  for (let u = 0; u < nH; u++) {
    const i = hardSigmoid(gates[u] ?? 0);
    const o = hardSigmoid(gates[nH + u] ?? 0);
    const f = hardSigmoid(gates[2 * nH + u] ?? 0);
    const cu = f * (c[u] ?? 0) + i * Math.tanh(gates[3 * nH + u] ?? 0);
    c[u] = cu;
    h[u] = o * Math.tanh(cu);
  }
}
