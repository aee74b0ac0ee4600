import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { quantileOf } from "../stats/quantile";
import { PolicyAccumulator } from "./aggregate";
import type { BoundSpec } from "./bounds";
import { boundPolicies, planBound } from "./bounds";
import { makeSeries } from "./test-series";
import { evaluateSeries } from "./walk-forward";

const PER_DAY = 288; // 5-minute samples
const GIB = 1024 ** 3;

const spec = (over: Partial<BoundSpec>): BoundSpec => ({
  name: "bound",
  describe: "",
  windowHours: 24,
  memory: { kind: "day-peak", factor: 1 },
  cpu: { kind: "day-quantile", q: 0.99 },
  ...over,
});

// 4 days from midnight UTC; memory 1 GiB with a 3 GiB spike at 02:00-02:30 UTC on day `spikeDay`.
const spiky = (spikeDay = 2) =>
  makeSeries({
    count: 4 * PER_DAY,
    cpu: (i) => 0.1 + (i % 12) / 100,
    mem: (i) => {
      const day = Math.floor(i / PER_DAY);
      const slot = i % PER_DAY;
      return day === spikeDay && slot >= 24 && slot < 30 ? 3 * GIB : GIB;
    },
  });

function score(series: ReturnType<typeof spiky>, specs: BoundSpec[]) {
  const days = evaluateSeries(series, boundPolicies(series, specs)).days;
  return Object.fromEntries(
    specs.map((s) => {
      const acc = new PolicyAccumulator();
      for (const d of days.filter((x) => x.policy === s.name)) acc.add(d);
      return [s.name, acc.summary().metrics];
    }),
  );
}

describe("planBound", () => {
  it("gives each scored day its own memory peak and CPU quantile", () => {
    const series = spiky();
    const plans = [...planBound(series, spec({})).values()];
    // Day 0 is history only: three scored days.
    expect(plans).toHaveLength(3);
    expect(plans.map((p) => p.base.memLimitBytes)).toEqual([GIB, 3 * GIB, GIB]);
    const day1 = { start: PER_DAY, end: 2 * PER_DAY };
    expect(plans[0]?.base.cpuRequestCores).toBeCloseTo(
      quantileOf(series.cpu, 0.99, day1),
      12,
    );
    expect(plans[0]?.windows).toEqual([]);
  });

  it("splits the day into UTC windows with their own peaks", () => {
    const plans = [...planBound(spiky(), spec({ windowHours: 4 })).values()];
    const spikeDay = plans[1];
    expect(spikeDay?.windows).toHaveLength(6);
    expect(spikeDay?.windows.map((w) => w.values.memLimitBytes)).toEqual([
      3 * GIB,
      GIB,
      GIB,
      GIB,
      GIB,
      GIB,
    ]);
    expect(spikeDay?.windows[0]?.window).toMatchObject({
      startHourUtc: 0,
      endHourUtc: 4,
      days: "all",
    });
  });

  it("sacrifices the days whose peak costs the most slack", () => {
    const plans = [
      ...planBound(
        spiky(),
        spec({ memory: { kind: "day-peak-sacrifice", fraction: 0.34 } }),
      ).values(),
    ];
    // floor(0.34 x 3) = 1 day: the spike day gets its p95 (1 GiB) instead of 3 GiB.
    expect(plans.map((p) => p.base.memLimitBytes)).toEqual([GIB, GIB, GIB]);
  });

  it("gives hindsight bounds one value for the whole series", () => {
    const plans = [
      ...planBound(
        spiky(),
        spec({
          memory: { kind: "series-peak-quantile", q: 1 },
          cpu: { kind: "series-quantile", q: 0.5 },
        }),
      ).values(),
    ];
    expect(new Set(plans.map((p) => p.base.memLimitBytes))).toEqual(
      new Set([3 * GIB]),
    );
    expect(new Set(plans.map((p) => p.base.cpuRequestCores)).size).toBe(1);
  });

  it("rejects windows that do not divide the day", () => {
    expect(() => planBound(spiky(), spec({ windowHours: 5 }))).toThrow(
      /divide 24/,
    );
  });
});

describe("bounds scored by the harness", () => {
  it("orders clairvoyant, windowed and hindsight bounds as their knowledge does", () => {
    const m = score(spiky(), [
      spec({ name: "day" }),
      spec({ name: "4h", windowHours: 4 }),
      spec({
        name: "sacrifice",
        memory: { kind: "day-peak-sacrifice", fraction: 0.34 },
      }),
      spec({
        name: "hindsight",
        memory: { kind: "series-peak-quantile", q: 1 },
      }),
    ]);
    expect(m.day?.oom_free_days).toBe(1);
    expect(m["4h"]?.oom_free_days).toBe(1);
    expect(m.hindsight?.oom_free_days).toBe(1);
    expect(m.sacrifice?.oom_free_days).toBeCloseTo(2 / 3, 12);
    // On the spike day the 3 GiB limit against a 1 GiB p95 wastes 2/3; the 4-hour window confines it.
    expect(m.day?.mem_slack).toBeCloseTo(2 / 9, 12);
    expect(m["4h"]?.mem_slack ?? 1).toBeLessThan(m.day?.mem_slack ?? 0);
    expect(m.sacrifice?.mem_slack).toBe(0);
    expect(m.hindsight?.mem_slack).toBeCloseTo(2 / 3, 12);
  });

  it("never lets a clairvoyant day-peak bound OOM, nor waste more than hindsight", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), {
          minLength: 3 * PER_DAY,
          maxLength: 3 * PER_DAY,
        }),
        (mem) => {
          const series = makeSeries({
            count: mem.length,
            cpu: () => 0.5,
            mem: (i) => (mem[i] ?? 1) * GIB,
          });
          const m = score(series, [
            spec({ name: "day" }),
            spec({
              name: "hindsight",
              memory: { kind: "series-peak-quantile", q: 1 },
            }),
          ]);
          expect(m.day?.oom_free_days).toBe(1);
          expect(m.day?.mem_slack ?? 1).toBeLessThanOrEqual(
            (m.hindsight?.mem_slack ?? 0) + 1e-12,
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});
