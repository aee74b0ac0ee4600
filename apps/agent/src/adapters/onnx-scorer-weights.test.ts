import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { LstmWeights } from "@kubewise/ml";
import {
  exportLstmToOnnx,
  loadShippedModel,
  readLstmWeightsFromOnnx,
} from "@kubewise/ml/onnx";

import { defaultModelDir } from "./onnx-scorer";
import { readForecasterWeights } from "./onnx-scorer-weights";

const floats = (length: number) =>
  fc
    .array(fc.float({ noNaN: true, noDefaultInfinity: true }), {
      minLength: length,
      maxLength: length,
    })
    .map((values) => Float32Array.from(values));

const lstmWeights = fc
  .record({
    inputSize: fc.integer({ min: 1, max: 4 }),
    hiddenSize: fc.integer({ min: 1, max: 4 }),
    outputSize: fc.integer({ min: 1, max: 3 }),
  })
  .chain(({ inputSize: i, hiddenSize: h, outputSize: o }) =>
    fc.record({
      inputSize: fc.constant(i),
      hiddenSize: fc.constant(h),
      outputSize: fc.constant(o),
      w: floats(4 * h * i),
      r: floats(4 * h * h),
      bias: floats(4 * h),
      denseKernel: floats(h * o),
      denseBias: floats(o),
    }),
  );

describe("readForecasterWeights (protobuf wire reader without onnx-proto)", () => {
  it("reads the shipped model exactly as @kubewise/ml/onnx does", () => {
    const shipped = loadShippedModel({ modelDir: defaultModelDir() });
    const ours = readForecasterWeights(shipped.onnxBytes);
    expect(ours.weights).toEqual(shipped.weights);
    expect(ours.seqLen).toBe(readLstmWeightsFromOnnx(shipped.onnxBytes).seqLen);
  });

  it("round-trips any exported LSTM like the onnx-proto reader", () => {
    fc.assert(
      fc.property(
        lstmWeights,
        fc.integer({ min: 1, max: 200 }),
        (weights: LstmWeights, seqLen) => {
          const bytes = exportLstmToOnnx(weights, { seqLen });
          const ours = readForecasterWeights(bytes);
          expect(ours).toEqual({
            weights: readLstmWeightsFromOnnx(bytes).weights,
            seqLen,
          });
          expect(ours.weights.w).toEqual(weights.w);
        },
      ),
      { numRuns: 50 },
    );
  });

  it.each([
    ["an empty file", new Uint8Array(), /no graph/],
    ["a truncated varint", Uint8Array.of(0x08, 0xff), /varint/],
    ["a field past the end", Uint8Array.of(0x3a, 0x05, 0x01), /past the end/],
    [
      "a graph without initializers",
      Uint8Array.of(0x3a, 0x00),
      /lacks initializer W/,
    ],
  ])("rejects %s", (_name, bytes, message) => {
    expect(() => readForecasterWeights(bytes)).toThrow(message);
  });

  it("rejects a truncated copy of the shipped model", () => {
    const { onnxBytes } = loadShippedModel({ modelDir: defaultModelDir() });
    expect(() =>
      readForecasterWeights(onnxBytes.subarray(0, onnxBytes.length - 100)),
    ).toThrow(/ONNX model/);
  });
});
