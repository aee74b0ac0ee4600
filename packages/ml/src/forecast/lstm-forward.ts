import type { LstmWeights } from "./lstm-weights";

function hardSigmoid(x: number): number {
  return Math.min(1, Math.max(0, 0.2 * x + 0.5));
}

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
  const { inputSize: nIn, hiddenSize: nH, outputSize: nOut } = weights;
  const { batch, seqLen } = shape;
  if (input.length !== batch * seqLen * nIn) {
    throw new RangeError(
      `input has ${input.length} values, expected ${batch}x${seqLen}x${nIn}`,
    );
  }
  const out = new Float32Array(batch * nOut);
  const state = {
    h: new Float64Array(nH),
    c: new Float64Array(nH),
    gates: new Float64Array(4 * nH),
  };
  for (let b = 0; b < batch; b++) {
    state.h.fill(0);
    state.c.fill(0);
    for (let t = 0; t < seqLen; t++)
      lstmStep(
        weights,
        state,
        input.subarray((b * seqLen + t) * nIn, (b * seqLen + t + 1) * nIn),
      );
    for (let j = 0; j < nOut; j++) {
      let acc = weights.denseBias[j] ?? 0;
      for (let k = 0; k < nH; k++)
        acc += (state.h[k] ?? 0) * (weights.denseKernel[k * nOut + j] ?? 0);
      out[b * nOut + j] = acc;
    }
  }
  return out;
}

function lstmStep(
  weights: LstmWeights,
  state: { h: Float64Array; c: Float64Array; gates: Float64Array },
  x: Float32Array,
): void {
  const { inputSize: nIn, hiddenSize: nH, w, r, bias } = weights;
  const { h, c, gates } = state;
  for (let g = 0; g < 4 * nH; g++) {
    let acc = bias[g] ?? 0;
    const wRow = g * nIn;
    for (let k = 0; k < nIn; k++) acc += (w[wRow + k] ?? 0) * (x[k] ?? 0);
    const rRow = g * nH;
    for (let k = 0; k < nH; k++) acc += (r[rRow + k] ?? 0) * (h[k] ?? 0);
    gates[g] = acc;
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
