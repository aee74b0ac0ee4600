import { describe, expect, it } from "vitest";

import { blockOfTimestamp, blockWindow, planBlocks } from "./blocks";

// Slot 0 is 1970-01-01 00:00 UTC, so slot k sits in UTC hour floor((k % 288) / 12).
function view(
  days: number,
  at: (hour: number) => { cpu: number; mem: number },
): { firstSlot: number; cpuCores: Float64Array; memBytes: Float64Array } {
  const n = days * 288;
  const hour = (k: number): number => Math.floor((k % 288) / 12);
  return {
    firstSlot: 0,
    cpuCores: Float64Array.from({ length: n }, (_, k) => at(hour(k)).cpu),
    memBytes: Float64Array.from({ length: n }, (_, k) => at(hour(k)).mem),
  };
}

describe("planBlocks", () => {
  it("gives each 4-hour block its CPU level and its share of the daily memory peak", () => {
    const plan = planBlocks(
      view(4, (h) => (h < 4 ? { cpu: 3, mem: 800 } : { cpu: 1, mem: 400 })),
      0.05,
    );
    expect(plan?.cpuCores).toEqual([3, 1, 1, 1, 1, 1]);
    expect(plan?.memShape).toEqual([1, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it.each([
    {
      name: "fewer than 3 whole days",
      days: 2,
      at: () => ({ cpu: 1, mem: 1 }),
    },
    {
      name: "no memory readings",
      days: 5,
      at: () => ({ cpu: 1, mem: Number.NaN }),
    },
  ])("returns undefined with $name", ({ days, at }) => {
    expect(planBlocks(view(days, at), 0.05)).toBeUndefined();
  });

  it("names windows by their UTC hours", () => {
    expect(blockWindow(2)).toEqual({
      name: "h08-12",
      days: "all",
      startHourUtc: 8,
      endHourUtc: 12,
    });
    expect(blockOfTimestamp(86_400 + 23 * 3600)).toBe(5);
  });
});
