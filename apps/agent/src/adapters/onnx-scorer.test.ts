import { describe, expect, it } from "vitest";

import { FEATURE_COUNT, OUTPUT_SIZE, SEQ_HOURS } from "@kubewise/ml";

import { createOnnxScorer, defaultModelDir } from "./onnx-scorer";

const ROW = SEQ_HOURS * FEATURE_COUNT;

function features(batch: number): Float32Array {
  const out = new Float32Array(batch * ROW);
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < SEQ_HOURS; t++) {
      const at = b * ROW + t * FEATURE_COUNT;
      out[at] = Math.log1p(0.5 + 0.4 * Math.sin(t / 4 + b)); // memory / reference
      out[at + 1] = Math.log1p(0.3 + 0.2 * Math.cos(t / 3)); // cpu mean
      out[at + 2] = Math.log1p(0.6); // cpu max
      out[at + 3] = 1; // present
      out[at + 4] = Math.sin((2 * Math.PI * t) / 24);
      out[at + 5] = Math.cos((2 * Math.PI * t) / 24);
    }
  return out;
}

describe("createOnnxScorer with the shipped model file", () => {
  it("finds packages/ml/models", () => {
    expect(defaultModelDir()).toMatch(/packages\/ml\/models$/);
  });

  it("scores a batch with onnxruntime-node and the TypeScript forward pass alike", async () => {
    const input = features(5);
    const [ort, ts] = await Promise.all(
      (["onnxruntime", "typescript"] as const).map((runtime) =>
        createOnnxScorer({ runtime }).score(input, 5),
      ),
    );
    expect(ort).toHaveLength(5 * OUTPUT_SIZE);
    expect(ts).toHaveLength(5 * OUTPUT_SIZE);
    ort?.forEach((value, i) => {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeCloseTo(ts?.[i] ?? Number.NaN, 4);
    });
    // Different containers get different forecasts.
    expect(ort?.[0]).not.toBeCloseTo(ort?.[OUTPUT_SIZE] ?? 0, 6);
  });

  it("loads once and reports the load", async () => {
    const loads: string[] = [];
    const scorer = createOnnxScorer({
      runtime: "typescript",
      onLoaded: (info) => loads.push(info.runtime),
    });
    await scorer.score(features(1), 1);
    await scorer.score(features(2), 2);
    expect(loads).toEqual(["typescript"]);
  });

  it("rejects a model directory without the model, then retries on the next call", async () => {
    const scorer = createOnnxScorer({
      runtime: "typescript",
      modelDir: "/nonexistent",
    });
    await expect(scorer.score(features(1), 1)).rejects.toThrow(/ENOENT/);
    await expect(scorer.score(features(1), 1)).rejects.toThrow(/ENOENT/);
  });
});
