import { describe, expect, it } from "vitest";

import {
  autocorrelation,
  detectPeriodicity,
  toHourlyMeans,
} from "./periodicity";

function slotsOf(
  days: number,
  valueAt: (hour: number) => number,
): Float64Array {
  return Float64Array.from({ length: days * 288 }, (_, k) =>
    valueAt(Math.floor(k / 12)),
  );
}

describe("detectPeriodicity", () => {
  it.each([
    {
      name: "a daily sine",
      series: slotsOf(14, (h) => 1 + Math.sin((2 * Math.PI * h) / 24)),
      daily: true,
    },
    {
      name: "a trend without cycle",
      series: slotsOf(14, (h) => h % 97),
      daily: false,
    },
    {
      name: "a constant (zero variance)",
      series: slotsOf(14, () => 2),
      daily: false,
    },
    { name: "all missing", series: slotsOf(3, () => Number.NaN), daily: false },
  ])("daily=$daily for $name", ({ series, daily }) => {
    expect(detectPeriodicity(series).daily).toBe(daily);
  });

  it("finds a weekly pattern in weekday/weekend data", () => {
    const p = detectPeriodicity(
      slotsOf(14, (h) => (Math.floor(h / 24) % 7 < 5 ? 4 : 1)),
    );
    expect(p.weekly).toBe(true);
  });

  it("ignores gaps when averaging hours", () => {
    const slots = Float64Array.from({ length: 24 }, (_, k) =>
      k % 2 === 0 ? 2 : Number.NaN,
    );
    expect(Array.from(toHourlyMeans(slots))).toEqual([2, 2]);
    expect(autocorrelation(Float64Array.from([1, 2]), 24)).toBeNaN();
  });
});
