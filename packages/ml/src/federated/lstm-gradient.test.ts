import { describe, expect, it } from "vitest";

import { createRng } from "../stats/rng";
import { DEFAULT_HEADS } from "./local-train";
import {
  createGradientScratch,
  pinballLoss,
  pinballLossAndGradient,
  type ExampleBatch,
} from "./lstm-gradient";
import { parameterLayout } from "./parameters";

const LAYOUT = parameterLayout({ inputSize: 3, hiddenSize: 4, outputSize: 12 });
const SEQ = 5;

function randomBatch(seed: number, count: number): ExampleBatch {
  const rng = createRng(seed);
  return {
    features: Float32Array.from(
      { length: count * SEQ * LAYOUT.inputSize },
      () => rng() * 2 - 1,
    ),
    targets: Float64Array.from({ length: count * 2 }, () => rng() * 2 - 1),
    count,
    seqLen: SEQ,
  };
}

function randomParams(seed: number, scale: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from(
    { length: LAYOUT.total },
    () => (rng() * 2 - 1) * scale,
  );
}

describe("pinballLossAndGradient", () => {
  it("matches central finite differences of the loss on every parameter", () => {
    const batch = randomBatch(1, 4);
    // Small weights keep every hardSigmoid gate inside its linear range (no kinks to straddle).
    const params = randomParams(2, 0.3);
    const scratch = createGradientScratch(LAYOUT, SEQ);
    const grad = new Float64Array(LAYOUT.total);
    const work = { heads: DEFAULT_HEADS, scratch, grad };
    const loss = pinballLossAndGradient(params, LAYOUT, batch, work);
    expect(loss).toBeCloseTo(
      pinballLoss(params, LAYOUT, batch, { heads: DEFAULT_HEADS, scratch }),
      12,
    );
    const step = 1e-6;
    let worst = 0;
    for (let k = 0; k < LAYOUT.total; k++) {
      const up = Float64Array.from(params);
      const down = Float64Array.from(params);
      up[k] = (up[k] ?? 0) + step;
      down[k] = (down[k] ?? 0) - step;
      const lossAt = (p: Float64Array) =>
        pinballLoss(p, LAYOUT, batch, { heads: DEFAULT_HEADS, scratch });
      const numeric = (lossAt(up) - lossAt(down)) / (2 * step);
      worst = Math.max(worst, Math.abs(numeric - (grad[k] ?? 0)));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it("reports per-head losses that average to the total", () => {
    const batch = randomBatch(3, 6);
    const params = randomParams(4, 0.5);
    const scratch = createGradientScratch(LAYOUT, SEQ);
    const perHead = new Float64Array(LAYOUT.outputSize);
    const loss = pinballLoss(params, LAYOUT, batch, {
      heads: DEFAULT_HEADS,
      scratch,
      perHead,
    });
    const mean = perHead.reduce((a, v) => a + v, 0) / perHead.length;
    expect(mean).toBeCloseTo(loss, 12);
  });
});
