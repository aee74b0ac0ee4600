import { describe, expect, it } from "vitest";

import { createKrrRecommender } from "./krr";
import { DAY_S, GIB, makeChunk } from "./test-helpers";

const ctx = { seriesId: "s", sampleIntervalS: 300 };

describe("KRR simple", () => {
  it("recommends CPU p95 with no limit and memory max + 15 % as request and limit", () => {
    const session = createKrrRecommender().start(ctx);
    session.observe(
      makeChunk({
        count: 200,
        cpu: (i) => (i + 1) / 100,
        mem: (i) => (i === 50 ? 2 * GIB : GIB),
      }),
    );
    const result = session.recommend(200 * 300);
    // p95 of 0.01..2.00: rank 0.95*199 = 189.05 -> 1.90 + 0.05*0.01 = 1.9005 -> rounded up to 1.901
    expect(result).toEqual({
      kind: "ok",
      recommendation: {
        base: {
          cpuRequestCores: 1.901,
          cpuLimitCores: null,
          memRequestBytes: Math.ceil((2 * GIB * 1.15) / 1048576) * 1048576,
          memLimitBytes: Math.ceil((2 * GIB * 1.15) / 1048576) * 1048576,
        },
        windows: [],
        confidence: null,
      },
    });
  });

  it("only looks at the last 14 days", () => {
    const session = createKrrRecommender().start(ctx);
    session.observe(
      makeChunk({
        count: 288 * 20,
        cpu: (i) => (i < 288 * 5 ? 8 : 1),
        mem: (i) => (i < 288 * 5 ? 8 * GIB : GIB),
      }),
    );
    const result = session.recommend(20 * DAY_S);
    expect(
      result.kind === "ok" && result.recommendation.base.cpuRequestCores,
    ).toBe(1);
    expect(
      result.kind === "ok" && result.recommendation.base.memRequestBytes,
    ).toBe(Math.ceil((GIB * 1.15) / 1048576) * 1048576);
  });

  it.each([
    { count: 99, intervalS: 300, why: "fewer than 100 points" },
    { count: 150, intervalS: 60, why: "less than 3 h of history" },
  ])("answers insufficient-history with $why", ({ count, intervalS }) => {
    const session = createKrrRecommender().start(ctx);
    session.observe(
      makeChunk({ count, intervalS, cpu: () => 0.2, mem: () => GIB }),
    );
    const result = session.recommend(count * intervalS);
    expect(result.kind).toBe("insufficient-history");
    if (result.kind === "insufficient-history") {
      expect(result.reason).toMatch(/krr needs >= 100 CPU points/);
      expect(result.confidence).toBeLessThan(0.2);
    }
  });

  it("applies the 10 m and 100 MiB minimums and ignores NaN readings", () => {
    const session = createKrrRecommender().start(ctx);
    session.observe(
      makeChunk({
        count: 288,
        cpu: (i) => (i % 5 === 0 ? Number.NaN : 0.001),
        mem: (i) => (i % 7 === 0 ? Number.NaN : 1e6),
      }),
    );
    const result = session.recommend(DAY_S);
    expect(result.kind === "ok" && result.recommendation.base).toMatchObject({
      cpuRequestCores: 0.01,
      memRequestBytes: 100 * 1048576,
    });
  });
});
