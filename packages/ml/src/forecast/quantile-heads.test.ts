import { describe, expect, it } from "vitest";

import {
  interpolateQuantile,
  OUTPUT_SIZE,
  pinballLoss,
  QUANTILE_LEVELS,
  targetQuantiles,
} from "./quantile-heads";

describe("quantile heads", () => {
  it.each([
    { actual: 2, predicted: 1, level: 0.9, loss: 0.9 },
    { actual: 1, predicted: 2, level: 0.9, loss: 0.1 },
    { actual: 1, predicted: 1, level: 0.5, loss: 0 },
  ])(
    "pinball($actual, $predicted, $level) = $loss",
    ({ actual, predicted, level, loss }) => {
      expect(pinballLoss(actual, predicted, level)).toBeCloseTo(loss, 12);
    },
  );

  it("makes crossing heads non-decreasing", () => {
    const out = new Float32Array(OUTPUT_SIZE);
    out.set([0, 0.3, 0.2, 0.5, 0.4, 0.6], QUANTILE_LEVELS.length);
    expect(
      Array.from(targetQuantiles(out, 1)).map((v) => Number(v.toFixed(3))),
    ).toEqual([0, 0.3, 0.3, 0.5, 0.5, 0.6]);
  });

  it.each([
    { level: 0.1, value: 0 },
    { level: 0.85, value: 3.5 },
    { level: 0.999, value: 10 },
  ])("interpolates level $level", ({ level, value }) => {
    expect(interpolateQuantile([0, 3, 4, 6, 8, 10], level)).toBeCloseTo(
      value,
      9,
    );
  });
});
