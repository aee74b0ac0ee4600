import { loadGateKernel } from "./gate-kernel";
import type { WideWeights } from "./lstm-cell";
import { updateCell, widen, writeDense } from "./lstm-cell";
import { forwardRowsWasm } from "./lstm-forward-wasm";
import type { LstmWeights } from "./lstm-weights";

/** "wasm" (SIMD gate kernel, the default where available) or "js"; both give identical bits. */
type ForwardEngine = "wasm" | "js";

type Shape = { batch: number; seqLen: number; engine?: ForwardEngine };

/**
 * Reference forward pass in plain TypeScript, numerically the same graph as the exported ONNX
 * model; it serves synchronous callers (the harness' recommend()) where onnxruntime is async.
 * `input` is row-major [batch, seqLen, inputSize]; returns row-major [batch, outputSize].
 */
export function runLstmForward(
  weights: LstmWeights,
  input: Float32Array,
  shape: Shape,
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
  shape: Shape,
): Float64Array {
  const out = new Float64Array(shape.batch * weights.outputSize);
  forwardInto(weights, input, { ...shape, out });
  return out;
}

function forwardInto(
  weights: LstmWeights,
  input: Float32Array,
  shape: Shape & { out: Float32Array | Float64Array },
): void {
  const { inputSize: nIn, hiddenSize: nH } = weights;
  const { batch, seqLen } = shape;
  if (input.length !== batch * seqLen * nIn) {
    throw new RangeError(
      `input has ${input.length} values, expected ${batch}x${seqLen}x${nIn}`,
    );
  }
  const kernel = shape.engine === "js" ? null : loadGateKernel();
  const wide = widen(weights);
  if (kernel) {
    forwardRowsWasm(kernel, { weights, wide, input, ...shape });
    return;
  }
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
      computeGates(wide, { nIn, nH }, scratch);
      updateCell(scratch, { gatesAt: 0, hAt: 0 }, nH);
    }
    writeDense(wide, { h: scratch.h, hAt: 0, row: b, out: shape.out });
  }
}

type Scratch = {
  h: Float64Array;
  c: Float64Array;
  gates: Float64Array;
  x: Float64Array;
};

/** Four gates at a time: four independent sums keep the FPU busy (one sum is latency-bound). */
function computeGates(
  wide: WideWeights,
  sizes: { nIn: number; nH: number },
  scratch: Scratch,
): void {
  const { nIn, nH } = sizes;
  const { w, r, bias } = wide;
  const { h, gates, x } = scratch;
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
}
