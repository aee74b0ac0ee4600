import type { onnx as OnnxTypes } from "onnx-proto";

import { validateLstmWeights } from "../forecast/lstm-weights";
import type { LstmWeights } from "../forecast/lstm-weights";
import { onnx } from "./proto";

export const ONNX_INPUT_NAME = "features";
export const ONNX_OUTPUT_NAME = "quantiles";
const OPSET = 13;
const IR_VERSION = 7;

function floatTensor(
  name: string,
  dims: number[],
  values: Float32Array,
): OnnxTypes.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(
      values.buffer.slice(
        values.byteOffset,
        values.byteOffset + values.byteLength,
      ),
    ),
  };
}

function attr(
  name: string,
  value: {
    i?: number;
    f?: number;
    ints?: number[];
    floats?: number[];
    strings?: string[];
  },
): OnnxTypes.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (value.i !== undefined) return { name, type: A.INT, i: value.i };
  if (value.f !== undefined) return { name, type: A.FLOAT, f: value.f };
  if (value.ints) return { name, type: A.INTS, ints: value.ints };
  if (value.floats) return { name, type: A.FLOATS, floats: value.floats };
  return {
    name,
    type: A.STRINGS,
    strings: (value.strings ?? []).map((s) => new TextEncoder().encode(s)),
  };
}

function valueInfo(
  name: string,
  dims: (number | string)[],
): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((d) =>
            typeof d === "number" ? { dimValue: d } : { dimParam: d },
          ),
        },
      },
    },
  };
}

export type ExportOptions = {
  seqLen: number;
  /** Written into the model's metadata_props (e.g. version, feature names). */
  metadata?: Record<string, string>;
};

/**
 * tfjs LSTM + dense -> ONNX: Transpose [batch, seq, feat] -> [seq, batch, feat], LSTM with tfjs'
 * hardSigmoid recurrent activation, Squeeze Y_h, MatMul + Add. Weights are already in ONNX gate order.
 */
export function exportLstmToOnnx(
  weights: LstmWeights,
  options: ExportOptions,
): Uint8Array {
  validateLstmWeights(weights);
  const { inputSize: nIn, hiddenSize: nH, outputSize: nOut } = weights;
  const b = new Float32Array(8 * nH);
  b.set(weights.bias, 0);
  const nodes: OnnxTypes.INodeProto[] = [
    {
      opType: "Transpose",
      input: [ONNX_INPUT_NAME],
      output: ["x_seq_first"],
      attribute: [attr("perm", { ints: [1, 0, 2] })],
    },
    {
      opType: "LSTM",
      input: ["x_seq_first", "W", "R", "B"],
      output: ["", "y_h"],
      attribute: [
        attr("hidden_size", { i: nH }),
        attr("activations", { strings: ["HardSigmoid", "Tanh", "Tanh"] }),
        attr("activation_alpha", { floats: [0.2] }),
        attr("activation_beta", { floats: [0.5] }),
      ],
    },
    { opType: "Squeeze", input: ["y_h", "squeeze_axes"], output: ["h_last"] },
    {
      opType: "MatMul",
      input: ["h_last", "dense_kernel"],
      output: ["dense_out"],
    },
    {
      opType: "Add",
      input: ["dense_out", "dense_bias"],
      output: [ONNX_OUTPUT_NAME],
    },
  ];
  const model: OnnxTypes.IModelProto = {
    irVersion: IR_VERSION,
    producerName: "kubewise-ml",
    opsetImport: [{ domain: "", version: OPSET }],
    metadataProps: Object.entries(options.metadata ?? {}).map(
      ([key, value]) => ({ key, value }),
    ),
    graph: {
      name: "kubewise_forecaster",
      node: nodes,
      initializer: [
        floatTensor("W", [1, 4 * nH, nIn], weights.w),
        floatTensor("R", [1, 4 * nH, nH], weights.r),
        floatTensor("B", [1, 8 * nH], b),
        {
          name: "squeeze_axes",
          dims: [1],
          dataType: onnx.TensorProto.DataType.INT64,
          int64Data: [0],
        },
        floatTensor("dense_kernel", [nH, nOut], weights.denseKernel),
        floatTensor("dense_bias", [nOut], weights.denseBias),
      ],
      input: [valueInfo(ONNX_INPUT_NAME, ["batch", options.seqLen, nIn])],
      output: [valueInfo(ONNX_OUTPUT_NAME, ["batch", nOut])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
