import { InferenceSession, Tensor } from "onnxruntime-node";

import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from "./export";

export type OnnxForecaster = {
  seqLen: number;
  featureCount: number;
  outputSize: number;
  /** `features` is row-major [batch, seqLen, featureCount]; returns row-major [batch, outputSize]. */
  predictBatch(features: Float32Array, batch: number): Promise<Float32Array>;
  close(): Promise<void>;
};

function dimOf(
  meta: InferenceSession.ValueMetadata | undefined,
  axis: number,
): number {
  if (!meta?.isTensor)
    throw new Error("ONNX forecaster input/output must be a tensor");
  const dim = meta.shape[axis];
  if (typeof dim !== "number")
    throw new Error(`ONNX forecaster axis ${axis} must be static`);
  return dim;
}

/** Batched inference with onnxruntime-node (CPU EP). One intra-op thread by default: agents share nodes. */
export async function createOnnxForecaster(options: {
  model: string | Uint8Array;
  intraOpThreads?: number;
}): Promise<OnnxForecaster> {
  const sessionOptions: InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  };
  const session =
    typeof options.model === "string"
      ? await InferenceSession.create(options.model, sessionOptions)
      : await InferenceSession.create(options.model, sessionOptions);
  const seqLen = dimOf(session.inputMetadata[0], 1);
  const featureCount = dimOf(session.inputMetadata[0], 2);
  const outputSize = dimOf(session.outputMetadata[0], 1);

  async function predictBatch(
    features: Float32Array,
    batch: number,
  ): Promise<Float32Array> {
    if (
      !Number.isInteger(batch) ||
      batch <= 0 ||
      features.length !== batch * seqLen * featureCount
    ) {
      throw new RangeError(
        `features must hold ${batch}x${seqLen}x${featureCount} values, got ${features.length}`,
      );
    }
    const input = new Tensor("float32", features, [
      batch,
      seqLen,
      featureCount,
    ]);
    const result = await session.run({ [ONNX_INPUT_NAME]: input });
    const output = result[ONNX_OUTPUT_NAME];
    if (!output || !(output.data instanceof Float32Array))
      throw new Error("ONNX forecaster returned no float32 output");
    return output.data;
  }

  return {
    seqLen,
    featureCount,
    outputSize,
    predictBatch,
    close: () => session.release(),
  };
}
