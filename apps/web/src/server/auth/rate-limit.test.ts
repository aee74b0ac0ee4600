import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { createTokenBucketLimiter } from "./rate-limit";

describe("createTokenBucketLimiter", () => {
  it("allows `capacity` attempts at once and refuses the next", () => {
    const limiter = createTokenBucketLimiter({
      capacity: 5,
      refillPerSecond: 0.1,
    });
    const results = Array.from({ length: 6 }, () =>
      limiter.tryTake("1.2.3.4|a@b.c", 0),
    );
    expect(results).toEqual([true, true, true, true, true, false]);
  });

  it.each([
    { waitMs: 9_000, allowed: false },
    { waitMs: 10_000, allowed: true },
  ])(
    "refills one token per 10 s (after $waitMs ms allowed=$allowed)",
    ({ waitMs, allowed }) => {
      const limiter = createTokenBucketLimiter({
        capacity: 1,
        refillPerSecond: 0.1,
      });
      expect(limiter.tryTake("k", 0)).toBe(true);
      expect(limiter.tryTake("k", waitMs)).toBe(allowed);
    },
  );

  it("keeps keys independent", () => {
    const limiter = createTokenBucketLimiter({
      capacity: 1,
      refillPerSecond: 0,
    });
    expect(limiter.tryTake("ip|alice", 0)).toBe(true);
    expect(limiter.tryTake("ip|alice", 0)).toBe(false);
    expect(limiter.tryTake("ip|bob", 0)).toBe(true);
  });

  it("refund gives one token back but never exceeds capacity", () => {
    const limiter = createTokenBucketLimiter({
      capacity: 1,
      refillPerSecond: 0,
    });
    expect(limiter.tryTake("k", 0)).toBe(true);
    limiter.refund("k");
    limiter.refund("k");
    expect(limiter.tryTake("k", 0)).toBe(true);
    expect(limiter.tryTake("k", 0)).toBe(false);
  });

  it("evicts the oldest key when full, so memory stays bounded", () => {
    const limiter = createTokenBucketLimiter({
      capacity: 1,
      refillPerSecond: 0,
      maxKeys: 2,
    });
    limiter.tryTake("a", 0);
    limiter.tryTake("b", 0);
    limiter.tryTake("c", 0);
    expect(limiter.size()).toBe(2);
  });

  it("never grants more than capacity + elapsed * rate tokens", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 200 }),
        (capacity, gapsMs) => {
          const limiter = createTokenBucketLimiter({
            capacity,
            refillPerSecond: 0.5,
          });
          let nowMs = 0;
          let granted = 0;
          for (const gapMs of gapsMs) {
            nowMs += gapMs;
            if (limiter.tryTake("k", nowMs)) granted += 1;
          }
          expect(granted).toBeLessThanOrEqual(
            capacity + (nowMs / 1000) * 0.5 + 1e-9,
          );
        },
      ),
    );
  });
});
