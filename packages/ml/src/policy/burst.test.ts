import { describe, expect, it } from "vitest";

import { burstProfile } from "./burst";

describe("burstProfile", () => {
  it("sizes a batch job for its runs, not for the idle time between them", () => {
    // 5 % of the samples run at ~2.2 cores, the rest idle at 4 m.
    const cpu = Array.from({ length: 2000 }, (_, i) =>
      i % 20 === 0 ? 2.1 + (i % 3) * 0.05 : 0.004,
    );
    const profile = burstProfile(cpu);
    expect(profile?.cores).toBeGreaterThanOrEqual(2.1);
    expect(profile?.cores).toBeLessThanOrEqual(2.2);
    expect(profile?.busyShare).toBeCloseTo(0.05, 3);
    expect(profile?.peakCores).toBeCloseTo(2.2, 6);
  });

  it("ignores gaps and has no profile without a positive reading", () => {
    expect(burstProfile([Number.NaN, 0, 0])).toBeNull();
    expect(burstProfile([])).toBeNull();
    expect(burstProfile([Number.NaN, 1, Number.NaN, 1])?.busyShare).toBe(1);
  });
});
