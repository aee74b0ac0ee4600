import * as tf from "@tensorflow/tfjs";

import type { TrainingSample } from "../features/training-samples";
import {
  OUTPUT_SIZE,
  QUANTILE_LEVELS,
  TARGET_COUNT,
} from "../forecast/quantile-heads";
import {
  createForecasterModel,
  createPinballLoss,
  useWasmBackend,
} from "./model";
import type { ForecasterShape } from "./model";

export type TrainOptions = {
  shape: ForecasterShape;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  onEpoch?: (progress: EpochProgress) => void;
};

type EpochProgress = {
  epoch: number;
  trainLoss: number;
  validationLoss: number;
  seconds: number;
};

function toTensors(
  samples: TrainingSample[],
  shape: ForecasterShape,
): { x: tf.Tensor3D; y: tf.Tensor2D } {
  const perSample = shape.seqLen * shape.inputSize;
  const x = new Float32Array(samples.length * perSample);
  const y = new Float32Array(samples.length * OUTPUT_SIZE);
  samples.forEach((s, i) => {
    x.set(s.features, i * perSample);
    for (let t = 0; t < TARGET_COUNT; t++) {
      for (let k = 0; k < QUANTILE_LEVELS.length; k++)
        y[i * OUTPUT_SIZE + t * QUANTILE_LEVELS.length + k] = s.targets[t] ?? 0;
    }
  });
  return {
    x: tf.tensor3d(x, [samples.length, shape.seqLen, shape.inputSize]),
    y: tf.tensor2d(y, [samples.length, OUTPUT_SIZE]),
  };
}

/** Trains the forecaster on the wasm backend; the caller fixes the sample order (no shuffling here). */
export async function trainForecaster(
  train: TrainingSample[],
  validation: TrainingSample[],
  options: TrainOptions,
): Promise<{ model: tf.Sequential; validationLoss: number }> {
  await useWasmBackend();
  const model = createForecasterModel(options.shape, options.seed);
  const loss = createPinballLoss(QUANTILE_LEVELS, TARGET_COUNT);
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss });
  const trainT = toTensors(train, options.shape);
  const valT = toTensors(validation, options.shape);
  let started = Date.now();
  let validationLoss = Number.NaN;
  await model.fit(trainT.x, trainT.y, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    shuffle: false,
    validationData: [valT.x, valT.y],
    verbose: 0,
    callbacks: {
      onEpochEnd: (epoch, logs) => {
        validationLoss = Number(logs?.val_loss ?? Number.NaN);
        options.onEpoch?.({
          epoch,
          trainLoss: Number(logs?.loss ?? Number.NaN),
          validationLoss,
          seconds: (Date.now() - started) / 1000,
        });
        started = Date.now();
      },
    },
  });
  for (const t of [trainT.x, trainT.y, valT.x, valT.y]) t.dispose();
  return { model, validationLoss };
}
