import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import { FEATURE_COUNT, runLstmForward, SEQ_HOURS } from "@kubewise/ml";

import type { ModelFile, Scorer } from "../domain/types";
import { readForecasterWeights } from "./onnx-scorer-weights";

// The same file @kubewise/ml/onnx loads (DEFAULT_MODEL_NAME), i.e. the one the aggregator serves.
const MODEL_NAME = "kubewise-forecaster-v1";

export const SCORER_RUNTIMES = ["onnxruntime", "typescript"] as const;
export type ScorerRuntime = (typeof SCORER_RUNTIMES)[number];

export type OnnxScorerOptions = {
  /** onnxruntime: onnxruntime-node CPU EP; typescript: the same graph's weights in @kubewise/ml's forward pass. */
  runtime: ScorerRuntime;
  /** Defaults to the model shipped in packages/ml/models. */
  modelDir?: string;
  onLoaded?: (info: { runtime: ScorerRuntime; loadMs: number }) => void;
};

/** packages/ml/models, found through the workspace package (the bundle moves import.meta.url). */
export function defaultModelDir(): string {
  const entry = createRequire(import.meta.url).resolve("@kubewise/ml");
  return join(dirname(entry), "..", "models");
}

type Predict = (features: Float32Array, batch: number) => Promise<Float32Array>;

function fromWeightsFile(bytes: Uint8Array, where: string): Predict {
  const { weights, seqLen } = readForecasterWeights(bytes);
  if (seqLen !== SEQ_HOURS || weights.inputSize !== FEATURE_COUNT)
    throw new Error(
      `${where} expects [${seqLen}, ${weights.inputSize}] inputs; this build feeds [${SEQ_HOURS}, ${FEATURE_COUNT}]`,
    );
  return (features, batch) =>
    Promise.resolve(
      runLstmForward(weights, features, { batch, seqLen: SEQ_HOURS }),
    );
}

async function fromOnnxRuntime(bytes: Uint8Array): Promise<Predict> {
  const ml = await import("@kubewise/ml/onnx");
  const forecaster = await ml.createOnnxForecaster({
    model: bytes,
    intraOpThreads: 1,
  });
  return (features, batch) => forecaster.predictBatch(features, batch);
}

async function loadPredict(options: OnnxScorerOptions): Promise<Predict> {
  // Loaded on first use, not at start: the runtime and model cost memory an agent without
  // enough history (the first hours) does not need.
  const modelDir = options.modelDir ?? defaultModelDir();
  if (options.runtime === "onnxruntime") {
    const ml = await import("@kubewise/ml/onnx");
    return fromOnnxRuntime(ml.loadShippedModel({ modelDir }).onnxBytes);
  }
  const onnxPath = join(modelDir, `${MODEL_NAME}.onnx`);
  return fromWeightsFile(readFileSync(onnxPath), onnxPath);
}

/** Scorer over the shipped forecaster file, switched to the aggregator's model once one arrives. */
export function createOnnxScorer(options: OnnxScorerOptions): Scorer {
  let predict: Promise<Predict> | undefined;
  return {
    runtime: options.runtime,
    score(features, batch) {
      if (predict === undefined) {
        const startMs = performance.now();
        predict = loadPredict(options).then((p) => {
          options.onLoaded?.({
            runtime: options.runtime,
            loadMs: performance.now() - startMs,
          });
          return p;
        });
        // A failed load is retried on the next pass instead of failing forever.
        predict.catch(() => (predict = undefined));
      }
      return predict.then((p) => p(features, batch));
    },
    async useModel(model: ModelFile) {
      const next =
        options.runtime === "onnxruntime"
          ? await fromOnnxRuntime(model.onnx)
          : fromWeightsFile(model.onnx, `model version ${model.version}`);
      predict = Promise.resolve(next);
    },
  };
}
