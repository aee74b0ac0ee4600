import { validateLstmWeights } from "../forecast/lstm-weights";
import type { LstmWeights } from "../forecast/lstm-weights";

/** Sizes of the forecaster every federated update must match. */
export type ModelShape = {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
};

/** Offsets of each tensor in the flat parameter vector (ONNX initializer order: W, R, B, dense). */
export type ParameterLayout = ModelShape & {
  w: number;
  r: number;
  bias: number;
  denseKernel: number;
  denseBias: number;
  total: number;
};

export function parameterLayout(shape: ModelShape): ParameterLayout {
  const { inputSize: i, hiddenSize: h, outputSize: o } = shape;
  const w = 0;
  const r = w + 4 * h * i;
  const bias = r + 4 * h * h;
  const denseKernel = bias + 4 * h;
  const denseBias = denseKernel + h * o;
  return {
    ...shape,
    w,
    r,
    bias,
    denseKernel,
    denseBias,
    total: denseBias + o,
  };
}

export function shapeOf(weights: LstmWeights): ModelShape {
  return {
    inputSize: weights.inputSize,
    hiddenSize: weights.hiddenSize,
    outputSize: weights.outputSize,
  };
}

/** The weights as one vector in float64 (training arithmetic); values are the float32 ones. */
export function flattenWeights(weights: LstmWeights): Float64Array {
  validateLstmWeights(weights);
  const layout = parameterLayout(shapeOf(weights));
  const flat = new Float64Array(layout.total);
  flat.set(weights.w, layout.w);
  flat.set(weights.r, layout.r);
  flat.set(weights.bias, layout.bias);
  flat.set(weights.denseKernel, layout.denseKernel);
  flat.set(weights.denseBias, layout.denseBias);
  return flat;
}

/** The inverse of flattenWeights (rounds to float32, the precision models are stored in). */
export function unflattenWeights(
  flat: ArrayLike<number>,
  shape: ModelShape,
): LstmWeights {
  const layout = parameterLayout(shape);
  if (flat.length !== layout.total)
    throw new RangeError(
      `parameter vector has ${flat.length} values, the model has ${layout.total}`,
    );
  const slice = (from: number, to: number) =>
    Float32Array.from({ length: to - from }, (_, k) => flat[from + k] ?? 0);
  const weights: LstmWeights = {
    ...shape,
    w: slice(layout.w, layout.r),
    r: slice(layout.r, layout.bias),
    bias: slice(layout.bias, layout.denseKernel),
    denseKernel: slice(layout.denseKernel, layout.denseBias),
    denseBias: slice(layout.denseBias, layout.total),
  };
  validateLstmWeights(weights);
  return weights;
}

/** float32 little-endian bytes of a parameter or delta vector (the registry's and the wire's form). */
export function toFloat32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let k = 0; k < values.length; k++)
    view.setFloat32(k * 4, values[k] ?? 0, true);
  return bytes;
}

export function fromFloat32Bytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw new RangeError(`${bytes.byteLength} bytes is not a float32 vector`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, k) =>
    view.getFloat32(k * 4, true),
  );
}

export function l2Norm(values: Iterable<number>): number {
  let squared = 0;
  for (const v of values) squared += v ** 2;
  return Math.sqrt(squared);
}
