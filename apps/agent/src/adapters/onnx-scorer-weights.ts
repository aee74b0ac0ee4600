// Reads the forecaster's LSTM weights straight from the ONNX protobuf wire format. The agent's
// TypeScript runtime needs only five float initializers and the input shape; going through
// @kubewise/ml/onnx would keep protobufjs, onnx-proto and onnxruntime-node resident (~8 MiB RSS).
import type { LstmWeights } from "@kubewise/ml";

// Field numbers from onnx.proto3.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_FLOAT = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

type Field = { field: number; wire: number; value: number; bytes: Uint8Array };

function readVarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let pos = at; pos < bytes.length && pos < at + 10; pos++) {
    const byte = bytes[pos] ?? 0;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value, pos + 1];
  }
  throw new Error("ONNX model: truncated or overlong varint");
}

function* fields(bytes: Uint8Array): Generator<Field> {
  let at = 0;
  const empty = bytes.subarray(0, 0);
  while (at < bytes.length) {
    const [key, next] = readVarint(bytes, at);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    at = next;
    if (wire === WIRE_VARINT) {
      const [value, after] = readVarint(bytes, at);
      at = after;
      yield { field, wire, value, bytes: empty };
    } else if (wire === WIRE_BYTES) {
      const [length, start] = readVarint(bytes, at);
      at = start + length;
      if (at > bytes.length)
        throw new Error(`ONNX model: field ${field} runs past the end`);
      yield { field, wire, value: length, bytes: bytes.subarray(start, at) };
    } else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      const size = wire === WIRE_FIXED64 ? 8 : 4;
      yield { field, wire, value: 0, bytes: bytes.subarray(at, at + size) };
      at += size;
    } else {
      throw new Error(`ONNX model: unsupported wire type ${wire}`);
    }
  }
  if (at !== bytes.length) throw new Error("ONNX model: truncated message");
}

function packedVarints(field: Field): number[] {
  if (field.wire === WIRE_VARINT) return [field.value];
  const out: number[] = [];
  for (let at = 0; at < field.bytes.length;) {
    const [value, next] = readVarint(field.bytes, at);
    out.push(value);
    at = next;
  }
  return out;
}

function copyFloats(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0)
    throw new Error("ONNX model: float data is not a multiple of 4 bytes");
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let k = 0; k < out.length; k++) out[k] = view.getFloat32(k * 4, true);
  return out;
}

type Tensor = { dims: number[]; dataType: number; data: Uint8Array[] };

function readTensor(bytes: Uint8Array): [string, Tensor] {
  let name = "";
  let dataType = 0;
  const dims: number[] = [];
  const chunks: Uint8Array[] = [];
  for (const f of fields(bytes)) {
    if (f.field === TENSOR_NAME) name = new TextDecoder().decode(f.bytes);
    else if (f.field === TENSOR_DATA_TYPE) dataType = f.value;
    else if (f.field === TENSOR_DIMS) dims.push(...packedVarints(f));
    else if (f.field === TENSOR_RAW_DATA || f.field === TENSOR_FLOAT_DATA)
      chunks.push(f.bytes);
  }
  return [name, { dims, dataType, data: chunks }];
}

function firstField(bytes: Uint8Array, field: number): Field | undefined {
  for (const f of fields(bytes)) if (f.field === field) return f;
  return undefined;
}

function firstInputDims(valueInfo: Uint8Array): number[] {
  let shape = valueInfo;
  for (const field of [VALUE_INFO_TYPE, TYPE_TENSOR, TENSOR_TYPE_SHAPE]) {
    const f = firstField(shape, field);
    if (!f) return [];
    shape = f.bytes;
  }
  return [...fields(shape)]
    .filter((f) => f.field === SHAPE_DIM)
    .map((dim) => firstField(dim.bytes, DIM_VALUE)?.value ?? 0);
}

function floatTensor(tensors: Map<string, Tensor>, name: string): Tensor {
  const t = tensors.get(name);
  if (!t)
    throw new Error(
      `ONNX model lacks initializer ${name}: not a Kubewise forecaster`,
    );
  if (t.dataType !== TENSOR_FLOAT)
    throw new Error(`ONNX initializer ${name} is not float32`);
  return t;
}

function floatValues(
  tensors: Map<string, Tensor>,
  name: string,
  length: number,
): Float32Array {
  const { data } = floatTensor(tensors, name);
  const values = copyFloats(
    data.length === 1 && data[0] ? data[0] : Buffer.concat(data),
  );
  if (values.length !== length)
    throw new Error(
      `ONNX initializer ${name} has ${values.length} values, expected ${length}`,
    );
  return values;
}

function readGraph(bytes: Uint8Array): {
  tensors: Map<string, Tensor>;
  inputDims: number[];
} {
  const graph = firstField(bytes, MODEL_GRAPH);
  if (!graph) throw new Error("ONNX model has no graph");
  const tensors = new Map<string, Tensor>();
  let inputDims: number[] | undefined;
  for (const f of fields(graph.bytes)) {
    if (f.field === GRAPH_INITIALIZER) tensors.set(...readTensor(f.bytes));
    else if (f.field === GRAPH_INPUT) inputDims ??= firstInputDims(f.bytes);
  }
  return { tensors, inputDims: inputDims ?? [] };
}

/** Weights and sequence length of a model written by @kubewise/ml's exportLstmToOnnx. */
export function readForecasterWeights(bytes: Uint8Array): {
  weights: LstmWeights;
  seqLen: number;
} {
  const { tensors, inputDims } = readGraph(bytes);
  const get = (name: string, length: number) =>
    floatValues(tensors, name, length);
  const inputSize = floatTensor(tensors, "W").dims[2] ?? 0;
  const [hiddenSize = 0, outputSize = 0] = floatTensor(
    tensors,
    "dense_kernel",
  ).dims;
  if (inputSize <= 0 || hiddenSize <= 0 || outputSize <= 0)
    throw new Error("ONNX model: LSTM initializers have empty shapes");
  const h4 = 4 * hiddenSize;
  const b = get("B", 2 * h4);
  // ONNX keeps input and recurrent biases apart (B = [Wb, Rb]); the forward pass adds their sum.
  const bias = b.slice(0, h4).map((v, k) => v + (b[h4 + k] ?? 0));
  const weights: LstmWeights = {
    inputSize,
    hiddenSize,
    outputSize,
    w: get("W", h4 * inputSize),
    r: get("R", h4 * hiddenSize),
    bias,
    denseKernel: get("dense_kernel", hiddenSize * outputSize),
    denseBias: get("dense_bias", outputSize),
  };
  return { weights, seqLen: inputDims[1] ?? 0 };
}
