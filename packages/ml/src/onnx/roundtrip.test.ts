import { describe, expect, it } from "vitest";

import { runLstmForward } from "../forecast/lstm-forward";
import {
  createForecasterModel,
  extractLstmWeights,
  predictWithModel,
  useWasmBackend,
} from "../tfjs/model";
import { exportLstmToOnnx } from "./export";
import { readLstmWeightsFromOnnx } from "./import";
import { createOnnxForecaster } from "./session";

function seededInput(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return worst;
}

describe("tfjs -> ONNX export", () => {
  it.each([
    {
      hiddenSize: 4,
      seqLen: 5,
      inputSize: 3,
      outputSize: 2,
      batch: 3,
      seed: 1,
    },
    {
      hiddenSize: 16,
      seqLen: 12,
      inputSize: 8,
      outputSize: 12,
      batch: 7,
      seed: 42,
    },
  ])(
    "ONNX, TS reference and tfjs agree within 1e-4 (hidden $hiddenSize, seq $seqLen)",
    async (c) => {
      await useWasmBackend();
      const shape = {
        seqLen: c.seqLen,
        inputSize: c.inputSize,
        hiddenSize: c.hiddenSize,
        outputSize: c.outputSize,
      };
      const model = createForecasterModel(shape, c.seed);
      // Random biases so that the gate reordering of the bias is exercised too.
      const biased = model
        .getWeights()
        .map((t, i) => (i === 2 || i === 4 ? t.add(0.3).mul(-1.7) : t.clone()));
      model.setWeights(biased);
      const input = seededInput(c.batch * c.seqLen * c.inputSize, c.seed);
      const expected = predictWithModel(model, input, {
        batch: c.batch,
        seqLen: c.seqLen,
        inputSize: c.inputSize,
      });

      const weights = extractLstmWeights(model, shape);
      const bytes = exportLstmToOnnx(weights, {
        seqLen: c.seqLen,
        metadata: { version: "test" },
      });
      const forecaster = await createOnnxForecaster({ model: bytes });
      const onnxOut = await forecaster.predictBatch(input, c.batch);
      await forecaster.close();
      const reread = readLstmWeightsFromOnnx(bytes);
      const tsOut = runLstmForward(reread.weights, input, {
        batch: c.batch,
        seqLen: reread.seqLen,
      });

      expect(maxAbsDiff(expected, onnxOut)).toBeLessThan(1e-4);
      expect(maxAbsDiff(expected, tsOut)).toBeLessThan(1e-4);
      expect(reread.metadata.version).toBe("test");
      model.dispose();
    },
  );

  it("rejects a batch whose size does not match the features", async () => {
    await useWasmBackend();
    const shape = { seqLen: 3, inputSize: 2, hiddenSize: 2, outputSize: 1 };
    const model = createForecasterModel(shape, 7);
    const forecaster = await createOnnxForecaster({
      model: exportLstmToOnnx(extractLstmWeights(model, shape), { seqLen: 3 }),
    });
    await expect(
      forecaster.predictBatch(new Float32Array(5), 1),
    ).rejects.toThrow(/1x3x2/);
    await forecaster.close();
    model.dispose();
  });
});
