import { describe, expect, it } from "vitest";

import { makeSeries } from "../eval/test-series";
import { createRng } from "../stats/rng";
import { CpuSpikeDetector } from "./cpu-spike";
import { evaluateAnomalyDetectors, toDetectorScore } from "./evaluate";
import { injectLeak, injectSpikes } from "./inject";
import { detectMemoryLeak } from "./memory-leak";
import { assessOomRisk } from "./oom-risk";

const GIB = 1024 ** 3;
const HOUR = 3600;
const ts = (n: number, stepS = 300): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => i * stepS);

describe("detectMemoryLeak", () => {
  it("flags steady growth with the time to reach the limit", () => {
    const t = ts(144);
    const mem = Float64Array.from(t, (s) => GIB + s * 20_000);
    const r = detectMemoryLeak({
      timestampsS: t,
      memBytes: mem,
      memLimitBytes: 4 * GIB,
      nowS: 143 * 300,
    });
    expect(r.kind).toBe("ok");
    if (r.kind !== "ok") return;
    expect(r.leak).toBe(true);
    expect(r.slopeBytesPerS).toBeCloseTo(20_000, 6);
    const level = GIB + 143 * 300 * 20_000;
    expect(r.timeToLimitS).toBeCloseTo((4 * GIB - level) / 20_000, 3);
  });

  it.each([
    {
      name: "flat noisy memory",
      mem: (i: number, rng: () => number) => GIB * (1 + 0.05 * rng()) + 0 * i,
    },
    {
      name: "a sawtooth (GC cycles)",
      mem: (i: number) => GIB * (1 + 0.3 * ((i % 12) / 12)),
    },
    {
      name: "slow growth that reaches the limit only after the horizon",
      mem: (i: number) => GIB * (1 + 0.001 * i),
    },
  ])("does not flag $name", ({ mem }) => {
    const rng = createRng(7);
    const t = ts(144);
    const memBytes = Float64Array.from(t, (_, i) => mem(i, rng));
    const r = detectMemoryLeak({
      timestampsS: t,
      memBytes,
      memLimitBytes: 64 * GIB,
      nowS: 143 * 300,
    });
    expect(r.kind === "ok" && r.leak).toBe(false);
  });

  it("answers insufficient-history for too few readings (NaN ignored)", () => {
    const t = ts(144);
    const mem = Float64Array.from(t, (_, i) =>
      i % 10 === 0 ? GIB : Number.NaN,
    );
    expect(
      detectMemoryLeak({
        timestampsS: t,
        memBytes: mem,
        memLimitBytes: null,
        nowS: 143 * 300,
      }).kind,
    ).toBe("insufficient-history");
  });
});

describe("assessOomRisk", () => {
  it.each([
    {
      name: "growth crossing the limit in ~2 h",
      slope: 100_000,
      limit: 2 * GIB,
      atRisk: true,
    },
    {
      name: "flat usage well under the limit",
      slope: 0,
      limit: 2 * GIB,
      atRisk: false,
    },
    {
      name: "usage already above the limit",
      slope: 0,
      limit: 0.5 * GIB,
      atRisk: true,
    },
  ])("$name -> atRisk $atRisk", ({ slope, limit, atRisk }) => {
    const t = ts(72);
    const now = 71 * 300;
    const mem = Float64Array.from(
      t,
      (s) => 1.2 * GIB + slope * s - slope * now,
    );
    const r = assessOomRisk({
      timestampsS: t,
      memBytes: mem,
      memLimitBytes: limit,
      nowS: now,
    });
    expect(r.kind === "ok" && r.atRisk).toBe(atRisk);
  });

  it("rejects a missing limit with a clear error", () => {
    expect(() =>
      assessOomRisk({
        timestampsS: ts(20),
        memBytes: new Float64Array(20),
        memLimitBytes: Number.NaN,
        nowS: 6000,
      }),
    ).toThrow(/positive memory limit/);
  });
});

describe("CpuSpikeDetector", () => {
  it("flags a burst against the same time of day and not the daily peak itself", () => {
    const detector = new CpuSpikeDetector();
    const rng = createRng(3);
    const daily = (t: number): number =>
      0.5 + 0.4 * Math.sin((2 * Math.PI * (t % 86400)) / 86400) + 0.05 * rng();
    const verdicts: boolean[] = [];
    for (let i = 0; i < 288 * 8; i++) {
      const t = i * 300;
      const burst = i === 288 * 7 + 100;
      verdicts.push(detector.check(t, daily(t) + (burst ? 3 : 0)).spike);
    }
    expect(verdicts.filter(Boolean)).toHaveLength(1);
    expect(verdicts[288 * 7 + 100]).toBe(true);
  });

  it("observe builds the same baseline as check, so only the readings that need a verdict are judged", () => {
    const rng = createRng(5);
    const readings = Array.from({ length: 288 * 3 }, (_, i) => ({
      t: i * 300,
      v: 0.3 + 0.2 * Math.sin((2 * Math.PI * i) / 288) + 0.05 * rng(),
    }));
    readings[readings.length - 5] = { t: (readings.length - 5) * 300, v: 4 };
    const judged = new CpuSpikeDetector();
    const observed = new CpuSpikeDetector();
    const tail = readings.length - 12;
    const all = readings.map((r) => judged.check(r.t, r.v));
    readings.slice(0, tail).forEach((r) => observed.observe(r.t, r.v));
    const last = readings.slice(tail).map((r) => observed.check(r.t, r.v));
    expect(last).toEqual(all.slice(tail));
    expect(last.filter((v) => v.spike)).toHaveLength(1);
  });

  it("ignores missing readings and waits for a baseline", () => {
    const detector = new CpuSpikeDetector();
    expect(detector.check(0, Number.NaN)).toMatchObject({
      spike: false,
      reason: "missing reading",
    });
    expect(detector.check(300, 5)).toMatchObject({
      spike: false,
      reason: "too little history for a baseline",
    });
  });
});

describe("injection and evaluation", () => {
  it("injects a linear leak from its start and labelled spikes", () => {
    const t = ts(5);
    expect([
      ...injectLeak({
        timestampsS: t,
        memBytes: Float64Array.of(1, 1, Number.NaN, 1, 1),
        startS: 600,
        bytesPerS: 1,
      }),
    ]).toEqual([1, 1, Number.NaN, 301, 601]);
    const { cpu, labels } = injectSpikes({
      timestampsS: t,
      cpu: new Float64Array(5),
      spikes: [{ startIndex: 1, length: 2, amount: 2 }],
    });
    expect([...cpu]).toEqual([0, 2, 2, 0, 0]);
    expect(labels).toEqual([{ startS: 300, endS: 600 }]);
  });

  it("scores precision, recall and delays", () => {
    expect(
      toDetectorScore({
        truePositives: 3,
        falsePositives: 1,
        falseNegatives: 1,
        delaysS: [HOUR, 3 * HOUR, 2 * HOUR],
      }),
    ).toMatchObject({
      precision: 0.75,
      recall: 0.75,
      medianDelayS: 2 * HOUR,
    });
  });

  it("finds injected leaks in a quiet synthetic series", () => {
    const rng = createRng(11);
    const series = {
      ...makeSeries({
        count: 288 * 10,
        cpu: () => 0.2 + 0.05 * rng(),
        mem: () => GIB * (1 + 0.02 * rng()),
      }),
      seriesId: "quiet",
    };
    const report = evaluateAnomalyDetectors([series], {
      seed: 1,
      maxSeries: 1,
    });
    expect(report.seriesUsed).toBe(1);
    expect(report.leak.truePositives).toBe(1);
    expect(report.spike.recall).toBeGreaterThan(0.6);
  });
});
