import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  maxFinite,
  medianAbsoluteDeviation,
  quantileOf,
  quantileSorted,
} from "./quantile";

describe("quantileSorted", () => {
  it.each([
    { values: [1, 2, 3, 4, 5], q: 0.5, expected: 3 },
    { values: [1, 2, 3, 4], q: 0.5, expected: 2.5 },
    { values: [0, 10], q: 0.95, expected: 9.5 },
    { values: [7], q: 0.9, expected: 7 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], q: 0.9, expected: 10 },
  ])(
    "interpolates linearly like numpy: q=$q of $values is $expected",
    ({ values, q, expected }) => {
      expect(quantileSorted(values, q)).toBeCloseTo(expected, 12);
    },
  );

  it("returns NaN for no values and rejects q outside [0, 1]", () => {
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(() => quantileSorted([1], 1.5)).toThrow(/quantile must be in/);
  });

  it("is monotone in q and stays within [min, max]", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
          minLength: 1,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (xs, q) => {
          const sorted = Float64Array.from(xs).sort();
          const v = quantileSorted(sorted, q);
          expect(v).toBeGreaterThanOrEqual(sorted[0]!);
          expect(v).toBeLessThanOrEqual(sorted[sorted.length - 1]!);
          expect(
            quantileSorted(sorted, Math.min(1, q + 0.1)),
          ).toBeGreaterThanOrEqual(v);
        },
      ),
    );
  });
});

describe("NaN handling", () => {
  it("skips NaN (missing readings)", () => {
    expect(quantileOf([Number.NaN, 1, 3, Number.NaN], 0.5)).toBe(2);
    expect(maxFinite([Number.NaN, 4, 2])).toBe(4);
    expect(maxFinite([Number.NaN])).toBeNaN();
  });

  it("computes the MAD around the median", () => {
    expect(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9])).toBe(1);
  });
});
