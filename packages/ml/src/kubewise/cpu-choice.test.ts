import { describe, expect, it } from "vitest";

import {
  createSlotHistory,
  SLOT_SECONDS,
  slotOf,
  SLOTS_PER_DAY,
} from "../features/slot-history";
import { quantileSorted } from "../stats/quantile";
import { createRng } from "../stats/rng";
import { chooseCpuRequest } from "./cpu-choice";

const T0 = 1_700_000_000 - (1_700_000_000 % 86_400);

function historyOf(days: number, cpuAt: (i: number) => number) {
  const history = createSlotHistory({ retentionSlots: 15 * SLOTS_PER_DAY });
  const values: number[] = [];
  for (let i = 0; i < days * SLOTS_PER_DAY; i++) {
    const cpu = cpuAt(i);
    values.push(cpu);
    history.add(T0 + i * SLOT_SECONDS, cpu, 1e9);
  }
  const nowSlot = slotOf(T0 + days * SLOTS_PER_DAY * SLOT_SECONDS);
  const sorted = Float64Array.from(values.filter(Number.isFinite)).sort();
  return { history, nowSlot, sorted };
}

const noForecast = () => undefined;

describe("chooseCpuRequest", () => {
  it("covers nearly every sample of a smooth series", () => {
    const random = createRng(7);
    const { history, nowSlot, sorted } = historyOf(
      14,
      () => 1 + 0.05 * random(),
    );
    const choice = chooseCpuRequest(history, nowSlot, noForecast);
    expect(choice?.validationDays).toBe(7);
    expect(choice?.cores).toBeGreaterThanOrEqual(quantileSorted(sorted, 0.99));
  });

  it("stays near the body of a bursty series instead of paying for rare bursts", () => {
    // 2 % of samples burst to 20x: covering them costs ~0.95 slack a day, missing them 35 x 0.02.
    const random = createRng(11);
    const { history, nowSlot } = historyOf(14, (i) =>
      i % 50 === 0 ? 2 : 0.1 + 0.01 * random(),
    );
    const choice = chooseCpuRequest(history, nowSlot, noForecast);
    expect(choice?.source).toBe("history");
    expect(choice?.cores).toBeLessThan(0.5);
  });

  it("falls back to p99 x 1.2 with less than two days to validate on", () => {
    const { history, nowSlot, sorted } = historyOf(2, (i) => (i % 10) / 10);
    const choice = chooseCpuRequest(history, nowSlot, noForecast);
    expect(choice).toMatchObject({ level: 0.99, factor: 1.2 });
    expect(choice?.validationDays).toBeLessThan(2);
    expect(choice?.cores).toBeCloseTo(quantileSorted(sorted, 0.99) * 1.2, 9);
  });

  it.each([
    ["no readings at all", () => Number.NaN],
    [
      "only missing readings in the last week",
      (i: number) => (i < 288 ? 1 : Number.NaN),
    ],
  ])("answers undefined for %s", (_, cpuAt) => {
    const { history, nowSlot } = historyOf(9, cpuAt);
    expect(chooseCpuRequest(history, nowSlot, noForecast)).toBeUndefined();
  });
});
