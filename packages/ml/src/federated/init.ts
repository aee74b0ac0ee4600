import type { LstmWeights } from "../forecast/lstm-weights";
import { createRng } from "../stats/rng";
import {
  parameterLayout,
  unflattenWeights,
  type ModelShape,
} from "./parameters";

/**
 * A fresh forecaster like tfjs' defaults: Glorot-uniform input, recurrent and dense kernels, zero
 * biases except the forget gate's (1, "unit forget bias"). Seeded: every arm of a comparison starts
 * from the same weights.
 */
export function initialWeights(shape: ModelShape, seed: number): LstmWeights {
  const layout = parameterLayout(shape);
  const rng = createRng(seed);
  const flat = new Float64Array(layout.total);
  const glorot = (
    from: number,
    count: number,
    fanIn: number,
    fanOut: number,
  ) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let k = 0; k < count; k++) flat[from + k] = (rng() * 2 - 1) * limit;
  };
  const { inputSize: i, hiddenSize: h, outputSize: o } = shape;
  glorot(layout.w, 4 * h * i, i, 4 * h);
  glorot(layout.r, 4 * h * h, h, 4 * h);
  // ONNX gate order i, o, f, c: the forget gate is the third block.
  for (let u = 0; u < h; u++) flat[layout.bias + 2 * h + u] = 1;
  glorot(layout.denseKernel, h * o, h, o);
  return unflattenWeights(flat, shape);
}
