import type { ParameterLayout } from "./parameters";

/** Training examples of one batch: features row-major [count, seqLen, inputSize], targets [count, targets]. */
export type ExampleBatch = {
  features: Float32Array;
  targets: Float64Array;
  count: number;
  seqLen: number;
};

/**
 * Scratch for one forward/backward pass, reused across batches so a training run allocates once.
 * Per time step it caches the gate activations, the cell state and tanh of it, and the hidden state.
 */
export type GradientScratch = {
  gates: Float64Array;
  cell: Float64Array;
  cellTanh: Float64Array;
  hidden: Float64Array;
  z: Float64Array;
  dh: Float64Array;
  dc: Float64Array;
  dz: Float64Array;
  output: Float64Array;
};

export function createGradientScratch(
  layout: ParameterLayout,
  seqLen: number,
): GradientScratch {
  const h = layout.hiddenSize;
  return {
    gates: new Float64Array(seqLen * 4 * h),
    cell: new Float64Array((seqLen + 1) * h),
    cellTanh: new Float64Array(seqLen * h),
    hidden: new Float64Array((seqLen + 1) * h),
    z: new Float64Array(4 * h),
    dh: new Float64Array(h),
    dc: new Float64Array(h),
    dz: new Float64Array(4 * h),
    output: new Float64Array(layout.outputSize),
  };
}

const hardSigmoid = (x: number): number =>
  Math.min(1, Math.max(0, 0.2 * x + 0.5));

/** Pinball loss and its derivative in the prediction; heads are laid out target-major like the model. */
export type QuantileHeads = { levels: readonly number[]; targetCount: number };

/**
 * Forward pass of one example, same graph as runLstmForward (ONNX gate order i, o, f, c,
 * hardSigmoid gates, tanh cell), keeping what the backward pass needs in `scratch`.
 */
function forwardExample(
  params: Float64Array,
  layout: ParameterLayout,
  input: { features: Float32Array; offset: number; seqLen: number },
  scratch: GradientScratch,
): void {
  const { inputSize: nIn, hiddenSize: nH, outputSize: nOut } = layout;
  const { gates, cell, cellTanh, hidden, z, output } = scratch;
  cell.fill(0, 0, nH);
  hidden.fill(0, 0, nH);
  for (let t = 0; t < input.seqLen; t++) {
    const x = input.offset + t * nIn;
    const hPrev = t * nH;
    for (let g = 0; g < 4 * nH; g++) {
      let acc = params[layout.bias + g] ?? 0;
      const wRow = layout.w + g * nIn;
      for (let k = 0; k < nIn; k++)
        acc += (params[wRow + k] ?? 0) * (input.features[x + k] ?? 0);
      const rRow = layout.r + g * nH;
      for (let k = 0; k < nH; k++)
        acc += (params[rRow + k] ?? 0) * (hidden[hPrev + k] ?? 0);
      z[g] = acc;
    }
    const at = t * 4 * nH;
    for (let u = 0; u < nH; u++) {
      const i = hardSigmoid(z[u] ?? 0);
      const o = hardSigmoid(z[nH + u] ?? 0);
      const f = hardSigmoid(z[2 * nH + u] ?? 0);
      const c = Math.tanh(z[3 * nH + u] ?? 0);
      gates[at + u] = i;
      gates[at + nH + u] = o;
      gates[at + 2 * nH + u] = f;
      gates[at + 3 * nH + u] = c;
      const cell_t = f * (cell[hPrev + u] ?? 0) + i * c;
      cell[hPrev + nH + u] = cell_t;
      const tc = Math.tanh(cell_t);
      cellTanh[hPrev + u] = tc;
      hidden[hPrev + nH + u] = o * tc;
    }
  }
  const last = input.seqLen * nH;
  for (let j = 0; j < nOut; j++) {
    let acc = params[layout.denseBias + j] ?? 0;
    for (let k = 0; k < nH; k++)
      acc +=
        (hidden[last + k] ?? 0) *
        (params[layout.denseKernel + k * nOut + j] ?? 0);
    output[j] = acc;
  }
}

/** d(gate activation)/d(pre-activation) for hardSigmoid, written as a function of the activation. */
function hardSigmoidSlope(activation: number): number {
  return activation > 0 && activation < 1 ? 0.2 : 0;
}

/** Backpropagation through time of one example; adds into `grad`; `dOut` is dLoss/dOutput. */
function backwardExample(
  params: Float64Array,
  layout: ParameterLayout,
  input: { features: Float32Array; offset: number; seqLen: number },
  state: { scratch: GradientScratch; dOut: Float64Array; grad: Float64Array },
): void {
  const { inputSize: nIn, hiddenSize: nH, outputSize: nOut } = layout;
  const { scratch, dOut, grad } = state;
  const { gates, cell, cellTanh, hidden, dh, dc, dz } = scratch;
  const last = input.seqLen * nH;
  dh.fill(0);
  dc.fill(0);
  for (let j = 0; j < nOut; j++) {
    const d = dOut[j] ?? 0;
    if (d === 0) continue;
    grad[layout.denseBias + j] = (grad[layout.denseBias + j] ?? 0) + d;
    for (let k = 0; k < nH; k++) {
      const at = layout.denseKernel + k * nOut + j;
      grad[at] = (grad[at] ?? 0) + (hidden[last + k] ?? 0) * d;
      dh[k] = (dh[k] ?? 0) + (params[at] ?? 0) * d;
    }
  }
  for (let t = input.seqLen - 1; t >= 0; t--) {
    const at = t * 4 * nH;
    const hPrev = t * nH;
    for (let u = 0; u < nH; u++) {
      const i = gates[at + u] ?? 0;
      const o = gates[at + nH + u] ?? 0;
      const f = gates[at + 2 * nH + u] ?? 0;
      const c = gates[at + 3 * nH + u] ?? 0;
      const tc = cellTanh[hPrev + u] ?? 0;
      const dhu = dh[u] ?? 0;
      const dcu = (dc[u] ?? 0) + dhu * o * (1 - tc * tc);
      dz[u] = dcu * c * hardSigmoidSlope(i);
      dz[nH + u] = dhu * tc * hardSigmoidSlope(o);
      dz[2 * nH + u] = dcu * (cell[hPrev + u] ?? 0) * hardSigmoidSlope(f);
      dz[3 * nH + u] = dcu * i * (1 - c * c);
      dc[u] = dcu * f;
    }
    dh.fill(0);
    const x = input.offset + t * nIn;
    for (let g = 0; g < 4 * nH; g++) {
      const d = dz[g] ?? 0;
      if (d === 0) continue;
      grad[layout.bias + g] = (grad[layout.bias + g] ?? 0) + d;
      const wRow = layout.w + g * nIn;
      for (let k = 0; k < nIn; k++)
        grad[wRow + k] =
          (grad[wRow + k] ?? 0) + d * (input.features[x + k] ?? 0);
      const rRow = layout.r + g * nH;
      for (let k = 0; k < nH; k++) {
        grad[rRow + k] = (grad[rRow + k] ?? 0) + d * (hidden[hPrev + k] ?? 0);
        dh[k] = (dh[k] ?? 0) + d * (params[rRow + k] ?? 0);
      }
    }
  }
}

/**
 * Mean pinball loss of a batch over every example and quantile head (the loss tfjs trains with),
 * and its gradient in `grad` (overwritten). Targets are repeated per level, as in the model's heads.
 */
export function pinballLossAndGradient(
  params: Float64Array,
  layout: ParameterLayout,
  batch: ExampleBatch,
  work: { heads: QuantileHeads; scratch: GradientScratch; grad: Float64Array },
): number {
  const { heads, scratch, grad } = work;
  const { levels, targetCount } = heads;
  const nOut = layout.outputSize;
  const perExample = batch.seqLen * layout.inputSize;
  const scale = 1 / (batch.count * nOut);
  const dOut = new Float64Array(nOut);
  grad.fill(0);
  let loss = 0;
  for (let b = 0; b < batch.count; b++) {
    const input = {
      features: batch.features,
      offset: b * perExample,
      seqLen: batch.seqLen,
    };
    forwardExample(params, layout, input, scratch);
    for (let t = 0; t < targetCount; t++) {
      const actual = batch.targets[b * targetCount + t] ?? 0;
      for (let k = 0; k < levels.length; k++) {
        const j = t * levels.length + k;
        const tau = levels[k] ?? 0.5;
        const e = actual - (scratch.output[j] ?? 0);
        loss += Math.max(tau * e, (tau - 1) * e);
        dOut[j] = (e > 0 ? -tau : e < 0 ? 1 - tau : 0) * scale;
      }
    }
    backwardExample(params, layout, input, { scratch, dOut, grad });
  }
  return loss * scale;
}

/** Mean pinball loss of a batch (no gradient), plus per-head means when `perHead` is given. */
export function pinballLoss(
  params: Float64Array,
  layout: ParameterLayout,
  batch: ExampleBatch,
  work: {
    heads: QuantileHeads;
    scratch: GradientScratch;
    perHead?: Float64Array;
  },
): number {
  const { heads, scratch, perHead } = work;
  const { levels, targetCount } = heads;
  const perExample = batch.seqLen * layout.inputSize;
  let loss = 0;
  perHead?.fill(0);
  for (let b = 0; b < batch.count; b++) {
    forwardExample(
      params,
      layout,
      {
        features: batch.features,
        offset: b * perExample,
        seqLen: batch.seqLen,
      },
      scratch,
    );
    for (let t = 0; t < targetCount; t++) {
      const actual = batch.targets[b * targetCount + t] ?? 0;
      for (let k = 0; k < levels.length; k++) {
        const j = t * levels.length + k;
        const tau = levels[k] ?? 0.5;
        const e = actual - (scratch.output[j] ?? 0);
        const l = Math.max(tau * e, (tau - 1) * e);
        loss += l;
        if (perHead) perHead[j] = (perHead[j] ?? 0) + l / batch.count;
      }
    }
  }
  return loss / (batch.count * layout.outputSize);
}
