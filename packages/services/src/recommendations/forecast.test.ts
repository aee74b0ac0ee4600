import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { UsageHistoryRow } from "@kubewise/db";

import { forecastUsage } from "./forecast";

const NOW = new Date("2026-11-20T12:00:00Z");
const GIB = 2 ** 30;

/** 48 h of 5-minute rollups with a daily cycle (peak at 14:00 UTC). */
function dailyCycle(options: {
  cpuCores: number;
  memoryBytes: number;
  hours?: number;
}): UsageHistoryRow[] {
  const slots = (options.hours ?? 48) * 12;
  return Array.from({ length: slots }, (_, i) => {
    const bucket = new Date(NOW.getTime() - (slots - i) * 300_000);
    const phase = (2 * Math.PI * (bucket.getUTCHours() - 8)) / 24;
    const level = 1 + 0.5 * Math.sin(phase);
    return {
      bucket,
      cpuUsageCoresAvg: options.cpuCores * level,
      cpuUsageCoresMax: options.cpuCores * level * 1.2,
      memoryWorkingSetBytesMax: options.memoryBytes * (0.8 + 0.2 * level),
      oomKillCountSum: 0,
    };
  });
}

function forecastOf(history: UsageHistoryRow[]) {
  const result = forecastUsage({ history, now: NOW });
  if (result.kind !== "forecast") throw new Error(result.reason);
  return result;
}

describe("forecastUsage", () => {
  it("predicts next-day peaks near a steady daily cycle, p50 <= p90", () => {
    const f = forecastOf(dailyCycle({ cpuCores: 0.4, memoryBytes: GIB }));
    expect(f.model).toBe("kubewise-forecaster-v1");
    expect(f.madeAt).toEqual(NOW);
    expect(f.horizonSeconds).toBe(86_400);
    expect(f.memoryPeakBytes.p50).toBeLessThanOrEqual(f.memoryPeakBytes.p90);
    expect(f.cpuP95Millicores.p50).toBeLessThanOrEqual(f.cpuP95Millicores.p90);
    // Observed: memory peak 1.1 GiB, CPU p95 about 590 m.
    expect(f.memoryPeakBytes.p50 / (1.1 * GIB)).toBeGreaterThan(0.7);
    expect(f.memoryPeakBytes.p50 / (1.1 * GIB)).toBeLessThan(1.5);
    expect(f.cpuP95Millicores.p50 / 590).toBeGreaterThan(0.5);
    expect(f.cpuP95Millicores.p50 / 590).toBeLessThan(2);
  });

  it("scales with the series: k times the usage forecasts k times the values", () => {
    const base = forecastOf(dailyCycle({ cpuCores: 0.25, memoryBytes: GIB }));
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 40, noNaN: true }), (k) => {
        const scaled = forecastOf(
          dailyCycle({ cpuCores: 0.25 * k, memoryBytes: GIB * k }),
        );
        const close = (a: number, b: number) =>
          Math.abs(a - b) <= 1e-4 * Math.abs(b) + 1;
        return (
          close(scaled.memoryPeakBytes.p90, base.memoryPeakBytes.p90 * k) &&
          close(scaled.cpuP95Millicores.p50, base.cpuP95Millicores.p50 * k)
        );
      }),
      { numRuns: 25 },
    );
  });

  it.each([
    { name: "no rollups", history: [] },
    {
      name: "only 4 h of rollups",
      history: dailyCycle({ cpuCores: 0.4, memoryBytes: GIB, hours: 4 }),
    },
  ])("is unavailable with a reason given $name", ({ history }) => {
    expect(forecastUsage({ history, now: NOW })).toEqual({
      kind: "unavailable",
      reason: expect.stringContaining("48 h") as unknown,
    });
  });
});
