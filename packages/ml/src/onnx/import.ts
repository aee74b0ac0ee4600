import type { onnx as OnnxTypes } from "onnx-proto";

import type { LstmWeights } from "../forecast/lstm-weights";
import { validateLstmWeights } from "../forecast/lstm-weights";
import { onnx } from "./proto";

function tensorFloats(tensor: OnnxTypes.ITensorProto): Float32Array {
  if (tensor.rawData && tensor.rawData.length > 0) {
    const raw = tensor.rawData;
    return new Float32Array(
      raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength),
    );
  }
  return Float32Array.from(tensor.floatData ?? []);
}

/** ONNX keeps input and recurrent biases apart (B = [Wb, Rb]); the forward pass only needs their sum. */
function foldRecurrentBias(b: Float32Array, hiddenSize: number): Float32Array {
  const out = b.slice(0, 4 * hiddenSize);
  for (let k = 0; k < out.length; k++)
    out[k] = (out[k] ?? 0) + (b[4 * hiddenSize + k] ?? 0);
  return out;
}

type TensorByName = (name: string) => OnnxTypes.ITensorProto;

function initializerLookup(graph: OnnxTypes.IGraphProto): TensorByName {
  const byName = new Map((graph.initializer ?? []).map((t) => [t.name, t]));
  return (name) => {
    const t = byName.get(name);
    if (!t)
      throw new Error(
        `ONNX model lacks initializer ${name}: not a Kubewise forecaster`,
      );
    return t;
  };
}

function toLstmWeights(get: TensorByName): LstmWeights {
  const wDims = (get("W").dims ?? []).map(Number);
  const kDims = (get("dense_kernel").dims ?? []).map(Number);
  const hiddenSize = kDims[0] ?? 0;
  return {
    inputSize: wDims[2] ?? 0,
    hiddenSize,
    outputSize: kDims[1] ?? 0,
    w: tensorFloats(get("W")),
    r: tensorFloats(get("R")),
    bias: foldRecurrentBias(tensorFloats(get("B")), hiddenSize),
    denseKernel: tensorFloats(get("dense_kernel")),
    denseBias: tensorFloats(get("dense_bias")),
  };
}

/** The sequence length is the second dimension of the first graph input. */
function inputSeqLen(graph: OnnxTypes.IGraphProto): number {
  const inputDims = graph.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
  return Number(inputDims[1]?.dimValue ?? 0);
}

/** Reads back the weights of a model written by exportLstmToOnnx (for the synchronous TS forward pass). */
export function readLstmWeightsFromOnnx(bytes: Uint8Array): {
  weights: LstmWeights;
  seqLen: number;
  metadata: Record<string, string>;
} {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error("ONNX model has no graph");
  const weights = toLstmWeights(initializerLookup(graph));
  validateLstmWeights(weights);
  const seqLen = inputSeqLen(graph);
  const metadata = Object.fromEntries(
    (model.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]),
  );
  return { weights, seqLen, metadata };
}
