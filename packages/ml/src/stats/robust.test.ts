import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { quantileSorted } from "./quantile";
import {
  downsampleMedians,
  mannKendall,
  medianInPlace,
  theilSen,
} from "./robust";

describe("medianInPlace", () => {
  it("is the sorted median (quantileSorted at 0.5) exactly, ties and even counts included", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
            fc.integer({ min: -3, max: 3 }),
          ),
          { minLength: 1, maxLength: 200 },
        ),
        (values) => {
          const sorted = Float64Array.from(values).sort();
          const expected = quantileSorted(sorted, 0.5);
          // === : -0 and 0 are the same median.
          expect(medianInPlace(Float64Array.from(values)) === expected).toBe(
            true,
          );
        },
      ),
      { numRuns: 2_000 },
    );
    expect(medianInPlace(new Float64Array(0))).toBeNaN();
  });
});

describe("theilSen", () => {
  it("recovers a line exactly and ignores an outlier and NaN", () => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const y = x.map((v) => 2 * v + 1);
    y[4] = 1000;
    y[6] = Number.NaN;
    const fit = theilSen({ x, y });
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
  });

  it("is equivariant: scaling y scales the slope", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), {
          minLength: 3,
          maxLength: 30,
        }),
        fc.double({ min: 0.5, max: 10, noNaN: true }),
        (ys, k) => {
          const x = ys.map((_, i) => i);
          const a = theilSen({ x, y: ys }).slope;
          const b = theilSen({ x, y: ys.map((v) => v * k) }).slope;
          expect(b).toBeCloseTo(a * k, 6);
        },
      ),
    );
  });

  it("returns NaN without two distinct x", () => {
    expect(theilSen({ x: [1, 1], y: [2, 3] }).slope).toBeNaN();
  });
});

describe("mannKendall", () => {
  it.each([
    { y: [1, 2, 3, 4, 5], s: 10 },
    { y: [5, 4, 3, 2, 1], s: -10 },
    { y: [1, 1, 1, 1], s: 0 },
  ])("S of $y is $s", ({ y, s }) => {
    expect(mannKendall(y).s).toBe(s);
  });

  it("gives z = (S - 1) / sqrt(n(n-1)(2n+5)/18) for a rising series", () => {
    const { z } = mannKendall([1, 2, 3, 4, 5]);
    expect(z).toBeCloseTo(9 / Math.sqrt((5 * 4 * 15) / 18), 12);
  });
});

describe("downsampleMedians", () => {
  it("keeps short inputs and reduces long ones to bucket medians", () => {
    expect(downsampleMedians({ x: [1, 2], y: [3, 4] }, 10).y).toEqual(
      Float64Array.of(3, 4),
    );
    const x = Array.from({ length: 100 }, (_, i) => i);
    const out = downsampleMedians({ x, y: x }, 4);
    expect([...out.x]).toEqual([12, 37, 62, 87]);
  });
});
