import { describe, expect, it } from "vitest";

import type { TrainingSample } from "../features/training-samples";
import { OUTPUT_SIZE } from "../forecast/quantile-heads";
import { createRng } from "../stats/rng";
import { extractLstmWeights } from "./model";
import { trainForecaster } from "./train";

const SHAPE = {
  seqLen: 6,
  inputSize: 3,
  hiddenSize: 4,
  outputSize: OUTPUT_SIZE,
};

function samples(count: number, seed: number): TrainingSample[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => {
    const features = Float32Array.from(
      { length: SHAPE.seqLen * SHAPE.inputSize },
      () => rng(),
    );
    const level = features.reduce((a, v) => a + v, 0) / features.length;
    return { seriesId: "s", nowS: i, features, targets: [level, -level] };
  });
}

async function trainOnce(seed: number): Promise<{ w: number[]; loss: number }> {
  const { model, validationLoss } = await trainForecaster(
    samples(64, 1),
    samples(16, 2),
    { shape: SHAPE, seed, epochs: 2, batchSize: 16, learningRate: 0.01 },
  );
  const w = Array.from(extractLstmWeights(model, SHAPE).w);
  model.dispose();
  return { w, loss: validationLoss };
}

describe("trainForecaster", () => {
  it("is deterministic for a seed and differs across seeds", async () => {
    const a = await trainOnce(7);
    const b = await trainOnce(7);
    const c = await trainOnce(8);
    expect(b.w).toEqual(a.w);
    expect(b.loss).toBe(a.loss);
    expect(c.w).not.toEqual(a.w);
    expect(Number.isFinite(a.loss)).toBe(true);
  });
});
