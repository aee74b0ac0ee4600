import { describe, expect, it } from "vitest";

import type { TrainingSample } from "../features/training-samples";
import { createRng } from "../stats/rng";
import { initialWeights } from "./init";
import {
  evaluatePinball,
  trainFromBase,
  type LocalTrainingPlan,
} from "./local-train";
import { flattenWeights, l2Norm, parameterLayout, shapeOf } from "./parameters";

const SHAPE = { inputSize: 3, hiddenSize: 4, outputSize: 12 };
const SEQ = 6;

function examples(count: number, seed: number): TrainingSample[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => {
    const features = Float32Array.from({ length: SEQ * SHAPE.inputSize }, () =>
      rng(),
    );
    const level = features.reduce((a, v) => a + v, 0) / features.length;
    return {
      seriesId: "s",
      nowS: i,
      features,
      targets: [level, 2 * level - 0.5],
    };
  });
}

const PLAN: LocalTrainingPlan = {
  epochs: 3,
  learningRate: 0.02,
  batchSize: 8,
  fedproxMu: 0,
  clipNorm: Number.POSITIVE_INFINITY,
  dpNoiseMultiplier: 0,
  seed: 7,
};
const base = initialWeights(SHAPE, 1);
const data = { train: examples(64, 2), validation: examples(16, 3) };

describe("trainFromBase", () => {
  it("lowers the validation pinball loss and reports its work", () => {
    const result = trainFromBase(base, data, PLAN);
    expect(result.validationLossAfter).toBeLessThan(
      result.validationLossBefore,
    );
    expect(result.localSteps).toBe(3 * 8);
    expect(result.exampleCount).toBe(64);
    expect(result.stoppedEarly).toBe(false);
    expect(result.deltaNorm).toBeCloseTo(result.preClipNorm, 5);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const a = trainFromBase(base, data, PLAN);
    const b = trainFromBase(base, data, PLAN);
    const c = trainFromBase(base, data, { ...PLAN, seed: 8 });
    expect(Array.from(b.delta)).toEqual(Array.from(a.delta));
    expect(Array.from(c.delta)).not.toEqual(Array.from(a.delta));
  });

  it("clips the delta to the plan's norm and adds seeded DP noise on top", () => {
    const clipped = trainFromBase(base, data, { ...PLAN, clipNorm: 0.05 });
    expect(clipped.preClipNorm).toBeGreaterThan(0.05);
    expect(clipped.deltaNorm).toBeCloseTo(0.05, 5);
    const noisy = trainFromBase(base, data, {
      ...PLAN,
      clipNorm: 0.05,
      dpNoiseMultiplier: 1,
    });
    // Noise of 0.05 per coordinate over |params| coordinates dwarfs the clipped signal.
    const expected = 0.05 * Math.sqrt(parameterLayout(SHAPE).total);
    expect(noisy.deltaNorm).toBeGreaterThan(0.5 * expected);
    expect(noisy.deltaNorm).toBeLessThan(1.5 * expected);
  });

  it("stays closer to the base model with a FedProx term", () => {
    const free = trainFromBase(base, data, PLAN);
    const prox = trainFromBase(base, data, { ...PLAN, fedproxMu: 5 });
    expect(prox.preClipNorm).toBeLessThan(free.preClipNorm);
  });

  it("pulls towards the anchor instead of the base when given one (Ditto)", () => {
    const other = initialWeights(SHAPE, 9);
    const free = trainFromBase(base, data, { ...PLAN, fedproxMu: 5 });
    const pulled = trainFromBase(
      base,
      data,
      { ...PLAN, fedproxMu: 5 },
      { anchor: other },
    );
    // The delta stays relative to the base; with the anchor elsewhere it points towards it.
    const toOther = flattenWeights(other).map(
      (w, k) => w - (flattenWeights(base)[k] ?? 0),
    );
    const dot = (d: Float32Array) =>
      d.reduce((a, v, k) => a + v * (toOther[k] ?? 0), 0);
    expect(dot(pulled.delta)).toBeGreaterThan(dot(free.delta));
    const again = trainFromBase(
      base,
      data,
      { ...PLAN, fedproxMu: 5 },
      { anchor: other },
    );
    expect(Array.from(again.delta)).toEqual(Array.from(pulled.delta));
    expect(() =>
      trainFromBase(base, data, PLAN, {
        anchor: initialWeights({ ...SHAPE, hiddenSize: 5 }, 1),
      }),
    ).toThrow(RangeError);
  });

  it("stops at the budget and still returns the partial update", () => {
    let calls = 0;
    const result = trainFromBase(base, data, PLAN, {
      shouldStop: () => ++calls > 5,
    });
    expect(result.localSteps).toBe(5);
    expect(result.stoppedEarly).toBe(true);
    expect(l2Norm(result.delta)).toBeGreaterThan(0);
  });

  it("scores the same loss as the forward pass it trains", () => {
    const layout = parameterLayout(shapeOf(base));
    const loss = evaluatePinball(flattenWeights(base), layout, data.validation);
    expect(
      trainFromBase(base, data, { ...PLAN, epochs: 0 }).validationLossBefore,
    ).toBe(loss);
  });
});
