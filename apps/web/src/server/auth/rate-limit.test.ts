import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { createFailureLimiter } from "./rate-limit";

describe("createFailureLimiter", () => {
  it("blocks after `limit` failures inside the window and forgets them after it", () => {
    const limiter = createFailureLimiter({ limit: 3, windowMs: 1_000 });
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.isBlocked("k", i)).toBe(false);
      limiter.recordFailure("k", i);
    }
    expect(limiter.isBlocked("k", 10)).toBe(true);
    expect(limiter.isBlocked("other", 10)).toBe(false);
    expect(limiter.isBlocked("k", 999)).toBe(true);
    expect(limiter.isBlocked("k", 1_002)).toBe(false);
  });

  it("clear forgets a key", () => {
    const limiter = createFailureLimiter({ limit: 1, windowMs: 1_000 });
    limiter.recordFailure("k", 0);
    limiter.clear("k");
    expect(limiter.isBlocked("k", 1)).toBe(false);
  });

  it("evicts the oldest key when full, so memory stays bounded", () => {
    const limiter = createFailureLimiter({
      limit: 1,
      windowMs: 1_000,
      maxKeys: 2,
    });
    for (const key of ["a", "b", "c"]) limiter.recordFailure(key, 0);
    expect(limiter.size()).toBe(2);
  });

  it("never lets more than `limit` failures through inside any window", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 200 }),
        (gaps) => {
          const limiter = createFailureLimiter({ limit: 4, windowMs: 1_000 });
          const allowed: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            if (!limiter.isBlocked("k", now)) {
              allowed.push(now);
              limiter.recordFailure("k", now);
            }
          }
          for (const at of allowed)
            expect(
              allowed.filter((t) => t >= at && t < at + 1_000).length,
            ).toBeLessThanOrEqual(4);
        },
      ),
    );
  });
});
