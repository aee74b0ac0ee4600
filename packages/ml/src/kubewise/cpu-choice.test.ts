import { describe, expect, it } from "vitest";

import {
  createSlotHistory,
  SLOT_SECONDS,
  slotOf,
  SLOTS_PER_DAY,
} from "../features/slot-history";
import { OUTPUT_SIZE } from "../forecast/quantile-heads";
import { quantileSorted } from "../stats/quantile";
import { createRng } from "../stats/rng";
import { chooseCpuRequest, cpuRequestRegret } from "./cpu-choice";
import type { DayForecast } from "./forecasts";

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
    const choice = chooseCpuRequest(history, nowSlot, {
      forecastAt: noForecast,
    });
    expect(choice?.validationDays).toBe(7);
    expect(choice?.cores).toBeGreaterThanOrEqual(quantileSorted(sorted, 0.99));
  });

  it("stays near the body of a bursty series instead of paying for rare bursts", () => {
    // 2 % of samples burst to 20x: covering them costs ~0.95 slack a day, missing them 35 x 0.02.
    const random = createRng(11);
    const { history, nowSlot } = historyOf(14, (i) =>
      i % 50 === 0 ? 2 : 0.1 + 0.01 * random(),
    );
    const choice = chooseCpuRequest(history, nowSlot, {
      forecastAt: noForecast,
    });
    expect(choice?.source).toBe("history");
    expect(choice?.cores).toBeLessThan(0.5);
  });

  it("falls back to p99 x 1.2 with less than two days to validate on", () => {
    const { history, nowSlot, sorted } = historyOf(2, (i) => (i % 10) / 10);
    const choice = chooseCpuRequest(history, nowSlot, {
      forecastAt: noForecast,
    });
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
    expect(
      chooseCpuRequest(history, nowSlot, { forecastAt: noForecast }),
    ).toBeUndefined();
  });

  describe("LSTM candidates", () => {
    // Levels alternate by day; a forecaster that knows each day's level beats any history quantile.
    const levelOfDay = (d: number) => (d % 2 === 1 ? 2 : 0.2);
    const random = createRng(5);
    const { history, nowSlot } = historyOf(
      14,
      (i) => levelOfDay(Math.floor(i / SLOTS_PER_DAY)) * (1 + 0.01 * random()),
    );
    const firstSlot = nowSlot - 14 * SLOTS_PER_DAY;
    const knowing = (slot: number): DayForecast => ({
      input: {
        features: new Float32Array(0),
        memRefBytes: 1e9,
        cpuRefCores: 1.02 * levelOfDay((slot - firstSlot) / SLOTS_PER_DAY),
      },
      output: () => new Float32Array(OUTPUT_SIZE),
    });

    it("picks the forecast when its validated cost is lower", () => {
      const choice = chooseCpuRequest(history, nowSlot, {
        forecastAt: knowing,
        lstmHandicap: 1,
      });
      expect(choice?.source).toBe("lstm");
      expect(choice?.cores).toBeLessThan(0.5);
    });

    it.each([
      ["history-only sources", { sources: ["history"] as const }],
      ["a prohibitive handicap", { lstmHandicap: 1e9 }],
    ])("keeps to history quantiles with %s", (_, extra) => {
      const choice = chooseCpuRequest(history, nowSlot, {
        forecastAt: knowing,
        ...extra,
      });
      expect(choice?.source).toBe("history");
    });
  });
});

describe("cpuRequestRegret", () => {
  const smooth = () => {
    const random = createRng(3);
    return historyOf(14, () => 1 + 0.05 * random());
  };

  it("is zero for the same request and positive for one the last days overran", () => {
    const { history, nowSlot } = smooth();
    const penalty = 38;
    expect(
      cpuRequestRegret(history, nowSlot, {
        publishedCores: 1.1,
        freshCores: 1.1,
        penalty,
      }),
    ).toBe(0);
    // 0.8 cores sits below every sample: penalty x 1 against ~5 % slack.
    const low =
      cpuRequestRegret(history, nowSlot, {
        publishedCores: 0.8,
        freshCores: 1.1,
        penalty,
      }) ?? Number.NaN;
    expect(low).toBeGreaterThan(penalty * 0.9);
    // 2 cores wastes ~half the request: its regret is about the extra slack.
    const high =
      cpuRequestRegret(history, nowSlot, {
        publishedCores: 2,
        freshCores: 1.1,
        penalty,
      }) ?? Number.NaN;
    expect(high).toBeGreaterThan(0.4);
    expect(high).toBeLessThan(0.5);
  });

  it("says nothing with fewer than two days to judge on", () => {
    const { history, nowSlot } = historyOf(1, () => 1);
    expect(
      cpuRequestRegret(history, nowSlot, {
        publishedCores: 1,
        freshCores: 2,
        penalty: 38,
      }),
    ).toBeUndefined();
  });
});
