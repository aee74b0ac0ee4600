import { describe, expect, it } from "vitest";

import type { RecommendResult } from "../recommender";
import { DAY_S, GIB, makeChunk } from "./test-helpers";
import { createVpaRecommender } from "./vpa";

const ctx = { seriesId: "s", sampleIntervalS: 300 };

function ok(result: RecommendResult) {
  if (result.kind !== "ok")
    throw new Error(`expected a recommendation, got ${result.reason}`);
  return result.recommendation;
}

// End of the VPA bucket holding v: first*(1.05^(n+1)-1)/0.05 with n = floor(log(v*0.05/first+1)/log 1.05).
function bucketEnd(v: number, first: number): number {
  const n = Math.floor(Math.log((v * 0.05) / first + 1) / Math.log(1.05));
  return (first * (Math.pow(1.05, n + 1) - 1)) / 0.05;
}

describe("VPA recommender", () => {
  it("recommends the p90 bucket end + 15 % for constant usage (0.5 core, 1 GiB)", () => {
    const session = createVpaRecommender().start(ctx);
    session.observe(makeChunk({ count: 576, cpu: () => 0.5, mem: () => GIB }));
    const rec = ok(session.recommend(2 * DAY_S));
    // 0.5 core lies in bucket 25 = [0.4773, 0.5111): 0.51113 * 1.15 = 0.58780 -> rounded up to 0.588.
    expect(bucketEnd(0.5, 0.01)).toBeCloseTo(0.51113, 4);
    expect(rec.base.cpuRequestCores).toBeCloseTo(0.588, 9);
    expect(rec.base.memRequestBytes).toBe(
      Math.ceil(bucketEnd(GIB, 1e7) * 1.15),
    );
    expect(rec.base.memLimitBytes).toBe(rec.base.memRequestBytes);
    expect(rec.confidence).toBeNull();
  });

  it("widens the upper bound by 1 + 1/confidence, confidence counted in days of 5-minute samples", () => {
    const session = createVpaRecommender().start(ctx);
    session.observe(
      makeChunk({ count: 288 * 2 + 1, cpu: () => 0.5, mem: () => GIB }),
    );
    const rec = ok(session.recommend(2 * DAY_S));
    // two days of samples: confidence 2 -> upper x1.5 (VPA's 1-per-minute count would give 10 -> x1.1)
    expect(rec.bounds?.cpuUpperCores).toBeCloseTo(
      Math.ceil(bucketEnd(0.5, 0.01) * 1.15 * 1.5 * 1000) / 1000,
      9,
    );
  });

  it.each([
    { cpu: 0.001, mem: 1e6, cpuFloor: 0.025, memFloor: 250 * 1024 * 1024 },
    { cpu: 0, mem: 5e5, cpuFloor: 0.025, memFloor: 250 * 1024 * 1024 },
  ])(
    "applies the pod minimums (25 m, 250 MiB) to tiny usage cpu=$cpu",
    ({ cpu, mem, cpuFloor, memFloor }) => {
      const session = createVpaRecommender().start(ctx);
      session.observe(
        makeChunk({ count: 300, cpu: () => cpu, mem: () => mem }),
      );
      const rec = ok(session.recommend(DAY_S));
      expect(rec.base.cpuRequestCores).toBe(cpuFloor);
      expect(rec.base.memRequestBytes).toBe(memFloor);
    },
  );

  it("keeps one peak per 24 h window and forgets peaks older than 8 days", () => {
    const session = createVpaRecommender().start(ctx);
    // day 0 peaks at 8 GiB, days 1..9 at 1 GiB
    session.observe(
      makeChunk({
        count: 288 * 10,
        cpu: () => 0.5,
        mem: (i) => (i < 288 && i % 50 === 7 ? 8 * GIB : GIB),
      }),
    );
    const after = ok(session.recommend(10 * DAY_S));
    expect(after.base.memRequestBytes).toBe(
      Math.ceil(bucketEnd(GIB, 1e7) * 1.15),
    );
    const early = createVpaRecommender().start(ctx);
    early.observe(
      makeChunk({
        count: 288 * 3,
        cpu: () => 0.5,
        mem: (i) => (i < 288 && i % 50 === 7 ? 8 * GIB : GIB),
      }),
    );
    // 3 peaks (8, 1, 1 GiB): p90 reaches the 8 GiB peak
    expect(ok(early.recommend(3 * DAY_S)).base.memRequestBytes).toBe(
      Math.ceil(bucketEnd(8 * GIB, 1e7) * 1.15),
    );
  });

  it("bumps memory after an OOM by max(+100 MiB, x1.2) of the current peak", () => {
    const session = createVpaRecommender().start(ctx);
    session.observe(
      makeChunk({ count: 288, cpu: () => 0.5, mem: () => 2 * GIB }),
    );
    session.observeOom?.(288 * 300);
    const rec = ok(session.recommend(DAY_S + 300));
    expect(rec.base.memRequestBytes).toBe(
      Math.ceil(bucketEnd(2.4 * GIB, 1e7) * 1.15),
    );
  });

  it("skips NaN readings, drops out-of-order samples and rejects ragged chunks", () => {
    const session = createVpaRecommender().start(ctx);
    session.observe(
      makeChunk({
        count: 288,
        cpu: (i) => (i % 2 ? Number.NaN : 0.5),
        mem: (i) => (i % 3 ? Number.NaN : GIB),
      }),
    );
    session.observe({
      timestampsS: Float64Array.of(10, 20),
      cpuCores: Float64Array.of(100, 100),
      memBytes: Float64Array.of(100 * GIB, 100 * GIB),
    });
    const rec = ok(session.recommend(DAY_S));
    expect(rec.base.cpuRequestCores).toBeCloseTo(0.588, 9);
    expect(() =>
      session.observe({
        timestampsS: Float64Array.of(1),
        cpuCores: new Float64Array(0),
        memBytes: Float64Array.of(1),
      }),
    ).toThrow(/differ in length/);
  });

  it("answers insufficient-history with a reason and zero confidence before any valid sample", () => {
    const session = createVpaRecommender().start(ctx);
    session.observe(
      makeChunk({ count: 10, cpu: () => Number.NaN, mem: () => Number.NaN }),
    );
    const result = session.recommend(3000);
    expect(result).toMatchObject({
      kind: "insufficient-history",
      confidence: 0,
    });
    expect(result.kind === "insufficient-history" && result.reason).toMatch(
      /valid CPU and memory/,
    );
  });

  it("skips the absolute floors for normalized units", () => {
    const session = createVpaRecommender().start({
      ...ctx,
      unitSystem: "normalized",
    });
    session.observe(
      makeChunk({ count: 288, cpu: () => 0.0004, mem: () => 0.002 }),
    );
    const rec = ok(session.recommend(DAY_S));
    expect(rec.base.cpuRequestCores).toBeCloseTo(
      bucketEnd(0.0004, 1e-6) * 1.15,
      12,
    );
    expect(rec.base.memRequestBytes).toBeCloseTo(
      bucketEnd(0.002, 1e-6) * 1.15,
      12,
    );
  });
});
