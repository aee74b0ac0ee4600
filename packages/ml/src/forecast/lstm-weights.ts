/**
 * LSTM + dense head in ONNX layout: gates in order i, o, f, c (ONNX), W [4H, I], R [4H, H],
 * bias [4H] (the recurrent bias of ONNX is zero), dense kernel [H, O], dense bias [O].
 * Recurrent activation is hardSigmoid (tfjs default), i.e. clip(0.2 x + 0.5, 0, 1).
 */
export type LstmWeights = {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  w: Float32Array;
  r: Float32Array;
  bias: Float32Array;
  denseKernel: Float32Array;
  denseBias: Float32Array;
};

/** Keras/tfjs layout: kernel [I, 4H], recurrent [H, 4H], bias [4H], gates i, f, c, o. */
export type KerasLstmWeights = {
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array;
  denseKernel: Float32Array;
  denseBias: Float32Array;
};

// Keras gate index -> ONNX gate index (i,f,c,o -> i,o,f,c).
const KERAS_TO_ONNX_GATE = [0, 2, 3, 1] as const;

function expectLength(name: string, array: Float32Array, length: number): void {
  if (array.length !== length)
    throw new RangeError(
      `${name} has ${array.length} values, expected ${length}`,
    );
}

export function validateLstmWeights(weights: LstmWeights): void {
  const { inputSize: i, hiddenSize: h, outputSize: o } = weights;
  for (const [name, v] of [
    ["inputSize", i],
    ["hiddenSize", h],
    ["outputSize", o],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  expectLength("w", weights.w, 4 * h * i);
  expectLength("r", weights.r, 4 * h * h);
  expectLength("bias", weights.bias, 4 * h);
  expectLength("denseKernel", weights.denseKernel, h * o);
  expectLength("denseBias", weights.denseBias, o);
}

function transposeGates(
  src: Float32Array,
  rows: number,
  hidden: number,
): Float32Array {
  const out = new Float32Array(4 * hidden * rows);
  for (let g = 0; g < 4; g++) {
    const onnxGate = KERAS_TO_ONNX_GATE[g] ?? 0;
    for (let u = 0; u < hidden; u++) {
      for (let row = 0; row < rows; row++) {
        out[(onnxGate * hidden + u) * rows + row] =
          src[row * 4 * hidden + g * hidden + u] ?? 0;
      }
    }
  }
  return out;
}

export function fromKerasLayout(
  keras: KerasLstmWeights,
  sizes: { inputSize: number; hiddenSize: number },
): LstmWeights {
  const { inputSize, hiddenSize } = sizes;
  const bias = new Float32Array(4 * hiddenSize);
  for (let g = 0; g < 4; g++) {
    const onnxGate = KERAS_TO_ONNX_GATE[g] ?? 0;
    bias.set(
      keras.bias.subarray(g * hiddenSize, (g + 1) * hiddenSize),
      onnxGate * hiddenSize,
    );
  }
  const weights: LstmWeights = {
    inputSize,
    hiddenSize,
    outputSize: keras.denseBias.length,
    w: transposeGates(keras.kernel, inputSize, hiddenSize),
    r: transposeGates(keras.recurrentKernel, hiddenSize, hiddenSize),
    bias,
    denseKernel: keras.denseKernel,
    denseBias: keras.denseBias,
  };
  validateLstmWeights(weights);
  return weights;
}
