import "@tensorflow/tfjs-backend-wasm";

import * as tf from "@tensorflow/tfjs";

import { fromKerasLayout } from "../forecast/lstm-weights";
import type { LstmWeights } from "../forecast/lstm-weights";

export type ForecasterShape = {
  seqLen: number;
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
};

/** Selects the wasm backend (the only fast offline one; tfjs-node needs a download). */
export async function useWasmBackend(): Promise<void> {
  if (tf.getBackend() !== "wasm") await tf.setBackend("wasm");
  await tf.ready();
}

/** LSTM (tfjs defaults: tanh, hardSigmoid recurrent activation) + linear quantile heads, seeded. */
export function createForecasterModel(
  shape: ForecasterShape,
  seed: number,
): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.lstm({
      units: shape.hiddenSize,
      inputShape: [shape.seqLen, shape.inputSize],
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1 }),
      biasInitializer: "zeros",
      unitForgetBias: true,
    }),
  );
  model.add(
    tf.layers.dense({
      units: shape.outputSize,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
    }),
  );
  return model;
}

/** Mean pinball loss; yTrue holds each target repeated once per quantile level, like yPred. */
export function createPinballLoss(
  levels: readonly number[],
  targetCount: number,
): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const tau = tf.tensor1d(
    Array.from({ length: targetCount }, () => levels).flat(),
  );
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const e = tf.sub(yTrue, yPred);
      return tf.mean(tf.maximum(tf.mul(tau, e), tf.mul(tf.sub(tau, 1), e)));
    });
}

export function extractLstmWeights(
  model: tf.LayersModel,
  shape: ForecasterShape,
): LstmWeights {
  const tensors = model.getWeights();
  if (tensors.length !== 5)
    throw new Error(
      `expected LSTM + dense (5 weight tensors), got ${tensors.length}`,
    );
  const [kernel, recurrentKernel, bias, denseKernel, denseBias] = tensors.map(
    (t) => t.dataSync() as Float32Array,
  );
  return fromKerasLayout(
    {
      kernel: Float32Array.from(kernel ?? []),
      recurrentKernel: Float32Array.from(recurrentKernel ?? []),
      bias: Float32Array.from(bias ?? []),
      denseKernel: Float32Array.from(denseKernel ?? []),
      denseBias: Float32Array.from(denseBias ?? []),
    },
    { inputSize: shape.inputSize, hiddenSize: shape.hiddenSize },
  );
}

export function predictWithModel(
  model: tf.LayersModel,
  input: Float32Array,
  shape: { batch: number; seqLen: number; inputSize: number },
): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor3d(input, [shape.batch, shape.seqLen, shape.inputSize]);
    const y = model.predict(x) as tf.Tensor;
    return Float32Array.from(y.dataSync());
  });
}
