import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { FEATURE_COUNT, SEQ_HOURS } from "../features/model-input";
import { runLstmForward } from "../forecast/lstm-forward";
import { loadEmbeddedForecaster } from "../forecast/shipped-weights";
import { createRng } from "../stats/rng";
import { loadShippedModel } from "./shipped-model";
import { renderShippedWeightsModule } from "./shipped-weights-render";

describe("embedded forecaster weights", () => {
  const shipped = loadShippedModel();

  it("shipped-weights.gen.ts is what the generator writes for the shipped ONNX file", () => {
    const onDisk = readFileSync(
      new URL("../forecast/shipped-weights.gen.ts", import.meta.url),
      "utf8",
    );
    expect(onDisk).toBe(renderShippedWeightsModule(shipped));
  });

  it.each(["w", "r", "bias", "denseKernel", "denseBias"] as const)(
    "decodes %s bit for bit",
    (name) => {
      const embedded = loadEmbeddedForecaster();
      expect(embedded.name).toBe(shipped.metadata.name);
      expect(Array.from(embedded.weights[name])).toEqual(
        Array.from(shipped.weights[name]),
      );
    },
  );
});

describe("embedded forecaster forward pass", () => {
  it("matches onnxruntime on the shipped ONNX file within 1e-4", async () => {
    const { createOnnxForecaster } = await import("./session");
    const shipped = loadShippedModel();
    const ort = await createOnnxForecaster({ model: shipped.onnxBytes });
    const rng = createRng(7);
    const batch = 4;
    const features = Float32Array.from(
      { length: batch * SEQ_HOURS * FEATURE_COUNT },
      () => rng() * 2 - 0.5,
    );
    const expected = await ort.predictBatch(features, batch);
    await ort.close();
    const actual = runLstmForward(loadEmbeddedForecaster().weights, features, {
      batch,
      seqLen: SEQ_HOURS,
    });
    const worst = Math.max(
      ...Array.from(actual, (v, i) => Math.abs(v - (expected[i] ?? NaN))),
    );
    expect(worst).toBeLessThan(1e-4);
  });
});
