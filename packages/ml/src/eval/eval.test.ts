import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { Recommendation, Recommender } from "../recommender";
import { expectedCalibrationError, PolicyAccumulator } from "./aggregate";
import { requestCostMicroUsd } from "./cost";
import { DUMP_HEADER, toDumpLines } from "./dump";
import { doesRecommendationHold } from "./holds";
import {
  hasChangedBeyond,
  isInWindow,
  utcDayAndHour,
  valuesInForce,
} from "./in-force";
import { lookupProvisioned, lookupRecommendation, scoreDay } from "./score-day";
import { makeSeries } from "./test-series";
import {
  dayBoundaries,
  evaluateSeries,
  nominalIntervalS,
  PROVISIONED,
} from "./walk-forward";

const GIB = 1024 ** 3;
const DAY = 86400;

function fixed(
  cpu: number,
  memBytes: number,
  confidence: number | null = null,
): Recommendation {
  return {
    base: {
      cpuRequestCores: cpu,
      cpuLimitCores: null,
      memRequestBytes: memBytes,
      memLimitBytes: memBytes,
    },
    windows: [],
    confidence,
  };
}

/** A fake recommender for harness tests: returns what `decide` says from the samples it saw. */
function fakeRecommender(
  name: string,
  decide: (seen: number[], nowS: number) => Recommendation | null,
): Recommender {
  return {
    name,
    start: () => {
      const seen: number[] = [];
      return {
        observe: (chunk) => seen.push(...chunk.timestampsS),
        recommend: (nowS) => {
          const rec = decide(seen, nowS);
          return rec
            ? { kind: "ok", recommendation: rec }
            : {
                kind: "insufficient-history",
                reason: "fake: too little",
                confidence: 0.05,
              };
        },
      };
    },
  };
}

describe("holds", () => {
  const base = {
    memSamples: 10,
    memOverLimitSamples: 0,
    cpuSamples: 100,
    cpuOverLimitSamples: 0,
  };
  it.each([
    { input: base, expected: true },
    { input: { ...base, memOverLimitSamples: 1 }, expected: false },
    { input: { ...base, cpuOverLimitSamples: 1 }, expected: false },
    { input: { ...base, memSamples: 0 }, expected: null },
    { input: { ...base, cpuSamples: 0 }, expected: null },
  ])("judges $input as $expected", ({ input, expected }) => {
    expect(doesRecommendationHold(input)).toBe(expected);
  });
});

describe("time windows", () => {
  it("knows 2013-07-01 00:00 UTC was a Monday", () => {
    expect(utcDayAndHour(1372636800)).toEqual({ weekday: 1, hour: 0 });
  });

  it.each([
    {
      days: "mon-fri",
      start: 8,
      end: 18,
      t: 1372636800 + 9 * 3600,
      inside: true,
    },
    {
      days: "mon-fri",
      start: 8,
      end: 18,
      t: 1372636800 + 18 * 3600,
      inside: false,
    },
    { days: "sat-sun", start: 0, end: 24, t: 1372636800 - 3600, inside: true },
    { days: "all", start: 22, end: 6, t: 1372636800 + 3 * 3600, inside: true },
  ] as const)(
    "$days $start-$end contains t=$t: $inside",
    ({ days, start, end, t, inside }) => {
      expect(
        isInWindow(
          { name: "w", days, startHourUtc: start, endHourUtc: end },
          t,
        ),
      ).toBe(inside);
    },
  );

  it("uses the first matching window, else the base values", () => {
    const rec: Recommendation = {
      ...fixed(1, GIB),
      windows: [
        {
          window: {
            name: "peak",
            days: "mon-fri",
            startHourUtc: 8,
            endHourUtc: 18,
          },
          values: fixed(3, 2 * GIB).base,
        },
      ],
    };
    expect(valuesInForce(rec, 1372636800 + 9 * 3600).cpuRequestCores).toBe(3);
    expect(valuesInForce(rec, 1372636800 + 20 * 3600).cpuRequestCores).toBe(1);
  });

  it("counts a change only beyond 10 %", () => {
    expect(hasChangedBeyond(fixed(1, GIB), fixed(1.09, GIB))).toBe(false);
    expect(hasChangedBeyond(fixed(1, GIB), fixed(1, 1.2 * GIB))).toBe(true);
  });
});

describe("scoreDay", () => {
  it("computes slack against p95, OOM samples, CPU above request and cost by hand", () => {
    // 20 samples: memory 1..20 GiB-tenths, cpu 0.1..2.0
    const series = makeSeries({
      count: 20,
      cpu: (i) => (i + 1) / 10,
      mem: (i) => ((i + 1) / 10) * GIB,
    });
    const rec = fixed(1.5, 1.9 * GIB);
    const score = scoreDay(
      series,
      { start: 0, end: 20, sampleIntervalS: 300 },
      {
        policy: lookupRecommendation(series, rec),
        provisioned: lookupProvisioned(series),
      },
    );
    // p95 of 0.1..2.0 = 1.905 (rank 18.05): memory slack max(0, 1.9 - 1.905) = 0; cpu slack 0 too.
    expect(score.memSlack).toBe(0);
    expect(score.memOverLimitSamples).toBe(1);
    expect(score.cpuOverRequestSamples).toBe(5);
    expect(score.cpuOverLimitSamples).toBe(0); // no CPU limit set
    expect(score.cpuSlack).toBe(0);
    // cost: 20 samples x 5 min of (1.5 cores, 1.9 GiB) vs (2 cores, 4 GiB)
    const hour = 20 * 300;
    expect(score.costMicroUsd).toBeCloseTo(
      requestCostMicroUsd({
        cpuRequestCores: 1.5,
        memRequestBytes: 1.9 * GIB,
        durationS: hour,
      }),
      6,
    );
    expect(score.provisionedCostMicroUsd).toBeCloseTo(
      (2 * 31611 + 4 * 4237) * (hour / 3600),
      6,
    );
  });

  it("scores a roomy limit's slack as (limit - p95) / limit and skips NaN readings", () => {
    const series = makeSeries({
      count: 10,
      cpu: () => 1,
      mem: (i) => (i % 2 ? Number.NaN : GIB),
    });
    const score = scoreDay(
      series,
      { start: 0, end: 10, sampleIntervalS: 300 },
      {
        policy: lookupRecommendation(series, fixed(4, 4 * GIB)),
        provisioned: lookupProvisioned(series),
      },
    );
    expect(score.memSamples).toBe(5);
    expect(score.memSlack).toBeCloseTo(0.75, 12);
    expect(score.cpuSlack).toBeCloseTo(0.75, 12);
  });

  it("has no cost for normalized units", () => {
    const series = makeSeries({
      count: 5,
      cpu: () => 1,
      mem: () => 1,
      unitSystem: "normalized",
    });
    const score = scoreDay(
      series,
      { start: 0, end: 5, sampleIntervalS: 300 },
      {
        policy: lookupRecommendation(series, fixed(2, 2)),
        provisioned: lookupProvisioned(series),
      },
    );
    expect(score.costMicroUsd).toBeNull();
  });
});

describe("walk-forward", () => {
  it("starts after one day and recommends every 24 h from the past only", () => {
    const series = makeSeries({ count: 288 * 4, cpu: () => 1, mem: () => GIB });
    const calls: { seenMax: number; nowS: number }[] = [];
    const spy = fakeRecommender("spy", (seen, nowS) => {
      calls.push({ seenMax: Math.max(...seen), nowS });
      return fixed(2, 2 * GIB);
    });
    const { days } = evaluateSeries(series, [
      { name: "spy", recommender: spy },
    ]);
    expect(calls.map((c) => c.nowS)).toEqual([DAY, 2 * DAY, 3 * DAY]);
    for (const c of calls) expect(c.seenMax).toBeLessThan(c.nowS);
    expect(days.map((d) => d.dayStartS)).toEqual([DAY, 2 * DAY, 3 * DAY]);
  });

  it("falls back to the provisioned values on insufficient history and says so", () => {
    const series = makeSeries({ count: 288 * 3, cpu: () => 1, mem: () => GIB });
    const slow = fakeRecommender("slow", (_seen, nowS) =>
      nowS >= 2 * DAY ? fixed(1.2, 1.2 * GIB) : null,
    );
    const { days } = evaluateSeries(series, [
      { name: PROVISIONED, recommender: null },
      { name: "slow", recommender: slow },
    ]);
    const slowDays = days.filter((d) => d.policy === "slow");
    expect(slowDays.map((d) => d.fallback)).toEqual([true, false]);
    expect(slowDays[0]!.memSlack).toBeCloseTo(0.75, 12);
  });

  it("skips days without samples (gaps) and handles usage above the provisioned limit", () => {
    // day 1 is a gap; memory at 5 GiB exceeds the provisioned 4 GiB
    const series = makeSeries({
      count: 288 * 2,
      cpu: () => 3,
      mem: () => 5 * GIB,
      timestamp: (i) => (i < 288 ? i * 300 : 2 * DAY + (i - 288) * 300),
    });
    const { days } = evaluateSeries(series, [
      { name: PROVISIONED, recommender: null },
    ]);
    expect(days.map((d) => d.dayStartS)).toEqual([2 * DAY]);
    expect(days[0]).toMatchObject({
      memOverLimitSamples: 288,
      cpuOverRequestSamples: 288,
      memSlack: 0,
      holds: false,
    });
    expect(nominalIntervalS(series.timestampsS)).toBe(300);
  });

  it("returns no days for a series shorter than the warm-up", () => {
    const series = makeSeries({ count: 100, cpu: () => 1, mem: () => GIB });
    expect(dayBoundaries(series).dayStartsS).toEqual([]);
    expect(
      evaluateSeries(series, [{ name: PROVISIONED, recommender: null }]).days,
    ).toEqual([]);
  });
});

describe("aggregation", () => {
  it("computes ECE over 10 bins by hand", () => {
    // bin 0.9: 4 outcomes, 3 hold (conf 0.9 vs 0.75); bin 0.5: 2 outcomes, 1 holds (0.5 vs 0.5)
    const outcomes = [
      ...[true, true, true, false].map((holds) => ({ confidence: 0.9, holds })),
      ...[true, false].map((holds) => ({ confidence: 0.5, holds })),
    ];
    expect(expectedCalibrationError(outcomes)).toBeCloseTo((4 / 6) * 0.15, 12);
  });

  it("ECE is 0 for perfectly calibrated 0/1 confidences and never above 1", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            confidence: fc.double({ min: 0, max: 1, noNaN: true }),
            holds: fc.boolean(),
          }),
          { minLength: 1 },
        ),
        (outcomes) => {
          const ece = expectedCalibrationError(outcomes);
          expect(ece).toBeGreaterThanOrEqual(0);
          expect(ece).toBeLessThanOrEqual(1);
        },
      ),
    );
    expect(
      expectedCalibrationError([
        { confidence: 1, holds: true },
        { confidence: 0, holds: false },
      ]),
    ).toBe(0);
  });

  it("turns scored days into the issue's metrics", () => {
    const series = makeSeries({
      count: 288 * 3,
      cpu: () => 1,
      mem: (i) => (i === 400 ? 3 * GIB : GIB),
    });
    const acc = new PolicyAccumulator();
    const { days } = evaluateSeries(series, [
      {
        name: "f",
        recommender: fakeRecommender("f", () => fixed(2, 2 * GIB, 0.9)),
      },
    ]);
    for (const d of days) acc.add(d);
    const s = acc.summary();
    expect(s.metrics.oom_free_days).toBe(0.5);
    expect(s.metrics.cpu_under).toBe(0);
    expect(s.metrics.changes_per_day).toBe(0);
    expect(s.metrics.cost_ratio).toBeCloseTo(
      (2 * 31611 + 2 * 4237) / (2 * 31611 + 4 * 4237),
      12,
    );
    expect(s.calibrationError).toBeCloseTo(Math.abs(0.9 - 0.5), 12);
  });
});

describe("dump", () => {
  it("writes one row per window plus a base catch-all, or a single `all` row", () => {
    const series = makeSeries({ count: 288 * 2, cpu: () => 1, mem: () => GIB });
    const windowed: Recommendation = {
      ...fixed(1, GIB, 0.95),
      windows: [
        {
          window: {
            name: "peak",
            days: "mon-fri",
            startHourUtc: 8,
            endHourUtc: 18,
          },
          values: fixed(3, 2 * GIB).base,
        },
      ],
    };
    const [day] = evaluateSeries(series, [
      { name: "k", recommender: fakeRecommender("k", () => windowed) },
    ]).days;
    const provisioned = {
      cpuRequestCores: 2,
      cpuLimitCores: 2,
      memRequestBytes: 4 * GIB,
      memLimitBytes: 4 * GIB,
    };
    expect(DUMP_HEADER.split(",")).toHaveLength(12);
    expect(toDumpLines(day!, provisioned)).toEqual([
      `test-series,86400,k,peak,mon-fri,8,18,3,,${2 * GIB},${2 * GIB},0.95`,
      `test-series,86400,k,base,all,0,24,1,,${GIB},${GIB},0.95`,
    ]);
    expect(
      toDumpLines(
        { ...day!, recommendation: null, confidence: null },
        provisioned,
      ),
    ).toEqual([`test-series,86400,k,all,,,,2,2,${4 * GIB},${4 * GIB},`]);
  });
});

describe("scoring invariants", () => {
  it("a larger recommendation never has more OOM or CPU-over samples, and slack stays in [0, 1]", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cpu: fc.double({ min: 0, max: 8, noNaN: true }),
            mem: fc.double({ min: 1, max: 8 * GIB, noNaN: true }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.double({ min: 0.01, max: 8, noNaN: true }),
        fc.double({ min: 1, max: 2, noNaN: true }),
        (samples, cpuRequest, factor) => {
          const series = makeSeries({
            count: samples.length,
            cpu: (i) => samples[i]!.cpu,
            mem: (i) => samples[i]!.mem,
          });
          const range = { start: 0, end: samples.length, sampleIntervalS: 300 };
          const score = (k: number) =>
            scoreDay(series, range, {
              policy: lookupRecommendation(
                series,
                fixed(cpuRequest * k, cpuRequest * k * GIB),
              ),
              provisioned: lookupProvisioned(series),
            });
          const small = score(1);
          const large = score(factor);
          expect(large.memOverLimitSamples).toBeLessThanOrEqual(
            small.memOverLimitSamples,
          );
          expect(large.cpuOverRequestSamples).toBeLessThanOrEqual(
            small.cpuOverRequestSamples,
          );
          for (const s of [
            small.memSlack,
            small.cpuSlack,
            large.memSlack,
            large.cpuSlack,
          ]) {
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });
});
