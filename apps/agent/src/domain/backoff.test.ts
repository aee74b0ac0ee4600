import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { DEFAULT_BACKOFF, fullJitterDelayMs } from "./backoff";

describe("fullJitterDelayMs", () => {
  it.each([
    [0, 0.999, 999],
    [1, 0.999, 1998],
    [4, 0.999, 15984],
    [5, 0.999, 29970],
    [50, 0.999, 29970],
    [3, 0, 0],
  ])(
    "attempt %i with random %d waits %i ms (1 s doubling, 30 s cap)",
    (attempt, random, expected) => {
      expect(fullJitterDelayMs(DEFAULT_BACKOFF, attempt, () => random)).toBe(
        expected,
      );
    },
  );

  it("always stays within [0, 30 s)", () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (attempt, r) => {
          const delay = fullJitterDelayMs(DEFAULT_BACKOFF, attempt, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(30_000);
        },
      ),
    );
  });
});
