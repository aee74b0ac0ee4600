import { describe, expect, it } from "vitest";

import { quantileSorted } from "../stats/quantile";
import { createRng } from "../stats/rng";
import { planCpuWindows, prefixQuantiles } from "./windows";

// Slot 0 is 1970-01-01 00:00 UTC (a Thursday).
function view(
  days: number,
  cpuAt: (hourOfDay: number, day: number) => number,
): { firstSlot: number; cpuCores: Float64Array; memBytes: Float64Array } {
  const n = days * 288;
  const cpuCores = Float64Array.from({ length: n }, (_, k) =>
    cpuAt(Math.floor((k % 288) / 12), Math.floor(k / 288)),
  );
  return { firstSlot: 0, cpuCores, memBytes: new Float64Array(n).fill(1) };
}

describe("planCpuWindows", () => {
  it("splits business hours into a peak window with its own request", () => {
    const plan = planCpuWindows(
      view(7, (h) => (h >= 8 && h < 18 ? 4 : 1)),
      { exceedance: 0.05, minGain: 0.1, weekly: false },
    );
    expect(plan.windows.map((w) => w.window)).toEqual([
      { name: "peak", days: "all", startHourUtc: 8, endHourUtc: 18 },
    ]);
    expect(plan.windows[0]?.cpuCores).toBe(4);
    expect(plan.baseCores).toBe(1);
    expect(plan.allCores).toBe(4);
  });

  it("adds a weekend window first when the series is weekly", () => {
    // Days 2 and 3 after a Thursday are Saturday and Sunday.
    const plan = planCpuWindows(
      view(14, (h, d) =>
        d % 7 === 2 || d % 7 === 3 ? 0.5 : h >= 8 && h < 18 ? 4 : 1,
      ),
      { exceedance: 0.05, minGain: 0.1, weekly: true },
    );
    expect(plan.windows[0]).toEqual({
      window: {
        name: "weekend",
        days: "sat-sun",
        startHourUtc: 0,
        endHourUtc: 24,
      },
      cpuCores: 0.5,
    });
    expect(plan.windows[1]?.window.days).toBe("mon-fri");
  });

  it.each([
    { name: "flat usage", cpuAt: () => 2 },
    {
      name: "an hour without samples",
      cpuAt: (h: number) => (h === 3 ? Number.NaN : h),
    },
  ])("returns no windows for $name", ({ cpuAt }) => {
    const plan = planCpuWindows(view(7, cpuAt), {
      exceedance: 0.05,
      minGain: 0.1,
      weekly: false,
    });
    expect(plan.windows).toEqual([]);
    expect(plan.baseCores).toBe(plan.allCores);
  });
});

describe("prefixQuantiles", () => {
  it("equals quantileSorted over each sorted prefix union, bit for bit (ties, uneven and empty groups)", () => {
    const rng = createRng(16);
    for (let round = 0; round < 200; round++) {
      const groups = Array.from({ length: 1 + Math.floor(rng() * 24) }, () =>
        Float64Array.from(
          { length: Math.floor(rng() * 90) },
          // Coarse values in some rounds so that ties cross groups.
          () => (round % 3 === 0 ? Math.floor(rng() * 5) : rng() * 4),
        ).sort(),
      );
      const q = round % 4 === 0 ? rng() : 0.98;
      const got = prefixQuantiles(groups, q);
      let union: number[] = [];
      groups.forEach((g, k) => {
        union = [...union, ...g];
        const expected = quantileSorted(Float64Array.from(union).sort(), q);
        expect(Object.is(got[k], expected), `round ${round} prefix ${k}`).toBe(
          true,
        );
      });
    }
  });
});
