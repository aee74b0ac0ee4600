import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { quantileOf, quantileSorted, sortedFinite } from "../stats/quantile";
import { quantileBySelection, quantilesBySelection } from "./select-quantile";

describe("quantileBySelection", () => {
  it("equals the sort-based quantile for any values and level (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
            fc.constant(Number.NaN),
            fc.constant(3),
          ),
          { maxLength: 300 },
        ),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const expected = quantileOf(values, q);
          const actual = quantileBySelection(Float64Array.from(values), q);
          if (Number.isNaN(expected)) expect(actual).toBeNaN();
          else expect(actual).toBeCloseTo(expected, 6);
        },
      ),
    );
  });

  it("rejects a level outside [0, 1]", () => {
    expect(() => quantileBySelection(Float64Array.from([1]), 1.5)).toThrow(
      RangeError,
    );
  });

  it("quantilesBySelection equals quantileSorted of the sorted finite values bit for bit (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ min: 0, max: 1e3, noNaN: true }),
            fc.constant(Number.NaN),
            fc.constant(2),
          ),
          { maxLength: 400 },
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
          minLength: 1,
          maxLength: 6,
        }),
        (values, levels) => {
          const v = Float64Array.from(values);
          const sorted = sortedFinite(v);
          expect(Array.from(quantilesBySelection(v, levels))).toEqual(
            levels.map((q) => quantileSorted(sorted, q)),
          );
        },
      ),
    );
  });
});
