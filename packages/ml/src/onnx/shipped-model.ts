// Node-only: reads the shipped forecaster (models/kubewise-forecaster-v1.{onnx,json}).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { FEATURE_COUNT, SEQ_HOURS } from "../features/model-input";
import { runLstmForward } from "../forecast/lstm-forward";
import type { LstmWeights } from "../forecast/lstm-weights";
import type { ForecastFn } from "../kubewise/forecasts";
import type { ForecasterMetadata } from "../kubewise/model-metadata";
import { readLstmWeightsFromOnnx } from "./import";

export const DEFAULT_MODEL_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../models",
);
export const DEFAULT_MODEL_NAME = "kubewise-forecaster-v1";

export type ShippedModel = {
  onnxPath: string;
  onnxBytes: Uint8Array;
  weights: LstmWeights;
  metadata: ForecasterMetadata;
};

export function loadShippedModel(
  options: { modelDir?: string; name?: string } = {},
): ShippedModel {
  const dir = options.modelDir ?? DEFAULT_MODEL_DIR;
  const name = options.name ?? DEFAULT_MODEL_NAME;
  const onnxPath = resolve(dir, `${name}.onnx`);
  const onnxBytes = new Uint8Array(readFileSync(onnxPath));
  const metadata = JSON.parse(
    readFileSync(resolve(dir, `${name}.json`), "utf8"),
  ) as ForecasterMetadata;
  const { weights, seqLen } = readLstmWeightsFromOnnx(onnxBytes);
  if (seqLen !== SEQ_HOURS || weights.inputSize !== FEATURE_COUNT) {
    throw new Error(
      `${onnxPath} expects [${seqLen}, ${weights.inputSize}] inputs; this build feeds [${SEQ_HOURS}, ${FEATURE_COUNT}]`,
    );
  }
  return { onnxPath, onnxBytes, weights, metadata };
}

/** Synchronous single-row forecaster over the ONNX file's weights (same graph, plain TypeScript). */
export function createWeightsForecastFn(weights: LstmWeights): ForecastFn {
  return (features) =>
    runLstmForward(weights, features, { batch: 1, seqLen: SEQ_HOURS });
}
