import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { createVerdictCache } from "./auth-cache";

describe("verdict cache", () => {
  it("returns a value until its expiry, then forgets it", () => {
    const cache = createVerdictCache<string>(2);
    cache.set("a", "yes", 100);
    expect(cache.get("a", 99)).toBe("yes");
    expect(cache.get("a", 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("refuses a non-positive size", () => {
    expect(() => createVerdictCache(0)).toThrow(/positive integer/);
  });

  it("never holds more than maxEntries and always keeps the most recent write", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.tuple(
            fc.constantFrom("get", "set"),
            fc.integer({ min: 0, max: 12 }),
          ),
          { maxLength: 60 },
        ),
        (maxEntries, operations) => {
          const cache = createVerdictCache<number>(maxEntries);
          let step = 0;
          for (const [operation, key] of operations) {
            step += 1;
            if (operation === "set") {
              cache.set(String(key), step, Number.POSITIVE_INFINITY);
              expect(cache.get(String(key), 0)).toBe(step);
            } else cache.get(String(key), 0);
            expect(cache.size).toBeLessThanOrEqual(maxEntries);
          }
        },
      ),
    );
  });
});
