import type { GateKernel } from "./gate-kernel";
import type { WideWeights } from "./lstm-cell";
import { updateCell, writeDense } from "./lstm-cell";
import type { LstmWeights } from "./lstm-weights";

/** Byte offsets of the kernel's operands in wasm memory, for one set of weights. */
type Layout = {
  weights: LstmWeights;
  w: number;
  r: number;
  bias: number;
  h: number;
  gates: number;
  x: number;
  f64: Float64Array;
  f32: Float32Array;
};

const PAGE_BYTES = 65_536;
let current: Layout | undefined;

/** Gate-major copies (W^T, R^T) so that the two gates of a SIMD lane pair sit side by side. */
function transposed(
  src: Float64Array,
  rows: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let g = 0; g < rows; g++)
    for (let k = 0; k < cols; k++) out[k * rows + g] = src[g * cols + k] ?? 0;
  return out;
}

function upload(
  kernel: GateKernel,
  input: { weights: LstmWeights; wide: WideWeights; rowValues: number },
): Layout {
  const { weights, wide, rowValues } = input;
  if (
    current?.weights === weights &&
    current.f32.length * 4 >= current.x + rowValues * 4
  )
    return current;
  const { inputSize: nIn, hiddenSize: nH } = weights;
  const nG = 4 * nH;
  const w = 0;
  const r = w + nIn * nG * 8;
  const bias = r + nH * nG * 8;
  const h = bias + nG * 8;
  const gates = h + nH * 8;
  const x = gates + nG * 8;
  const bytes = x + rowValues * 4;
  const missing =
    Math.ceil(bytes / PAGE_BYTES) -
    kernel.memory.buffer.byteLength / PAGE_BYTES;
  if (missing > 0) kernel.memory.grow(missing);
  const f64 = new Float64Array(kernel.memory.buffer);
  f64.set(transposed(wide.w, nG, nIn), w / 8);
  f64.set(transposed(wide.r, nG, nH), r / 8);
  f64.set(wide.bias, bias / 8);
  current = {
    weights,
    w,
    r,
    bias,
    h,
    gates,
    x,
    f64,
    f32: new Float32Array(kernel.memory.buffer),
  };
  return current;
}

export function forwardRowsWasm(
  kernel: GateKernel,
  job: {
    weights: LstmWeights;
    wide: WideWeights;
    input: Float32Array;
    batch: number;
    seqLen: number;
    out: Float32Array | Float64Array;
  },
): void {
  const { inputSize: nIn, hiddenSize: nH } = job.weights;
  const rowValues = job.seqLen * nIn;
  const at = upload(kernel, { ...job, rowValues });
  const state = { h: at.f64, c: new Float64Array(nH), gates: at.f64 };
  const hAt = at.h / 8;
  for (let b = 0; b < job.batch; b++) {
    at.f32.set(
      job.input.subarray(b * rowValues, (b + 1) * rowValues),
      at.x / 4,
    );
    at.f64.fill(0, hAt, hAt + nH);
    state.c.fill(0);
    for (let t = 0; t < job.seqLen; t++) {
      kernel.gates(
        at.x + t * nIn * 4,
        at.w,
        at.r,
        at.bias,
        at.h,
        at.gates,
        nIn,
        nH,
      );
      updateCell(state, { gatesAt: at.gates / 8, hAt }, nH);
    }
    writeDense(job.wide, { h: at.f64, hAt, row: b, out: job.out });
  }
}
