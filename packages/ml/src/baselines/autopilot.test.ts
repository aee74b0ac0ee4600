import { describe, expect, it } from "vitest";

import { createAutopilotRecommender } from "./autopilot";
import { DAY_S, GIB, makeChunk } from "./test-helpers";

const ctx = { seriesId: "s", sampleIntervalS: 300 };

// End of the 5 %-growth bucket (first bucket 1e-3) that holds v.
function bucketEnd(v: number): number {
  const n = Math.floor(Math.log((v * 0.05) / 1e-3 + 1) / Math.log(1.05));
  return (1e-3 * (Math.pow(1.05, n + 1) - 1)) / 0.05;
}

function base(
  result: ReturnType<
    ReturnType<
      ReturnType<typeof createAutopilotRecommender>["start"]
    >["recommend"]
  >,
) {
  if (result.kind !== "ok") throw new Error(result.reason);
  return result.recommendation.base;
}

describe("Autopilot moving window", () => {
  it("recommends p95 CPU and p98 memory bucket ends + 15 %, memory as request and limit, no CPU limit", () => {
    const session = createAutopilotRecommender().start(ctx);
    session.observe(makeChunk({ count: 288, cpu: () => 1, mem: () => GIB }));
    const b = base(session.recommend(DAY_S));
    expect(b.cpuRequestCores).toBeCloseTo(bucketEnd(1) * 1.15, 9);
    expect(b.cpuLimitCores).toBeNull();
    expect(b.memRequestBytes / (bucketEnd(GIB) * 1.15)).toBeCloseTo(1, 9);
    expect(b.memLimitBytes).toBe(b.memRequestBytes);
  });

  it("weights the percentile by load, not by sample count", () => {
    const session = createAutopilotRecommender({ cpuPercentile: 0.5 }).start(
      ctx,
    );
    // 90 % of samples at 0.1 core carry 0.9*0.1 = 0.09 of load; 10 % at 2 cores carry 0.2: the load median is 2 cores.
    session.observe(
      makeChunk({
        count: 288,
        cpu: (i) => (i % 10 === 0 ? 2 : 0.1),
        mem: () => GIB,
      }),
    );
    expect(base(session.recommend(DAY_S)).cpuRequestCores).toBeCloseTo(
      bucketEnd(2) * 1.15,
      9,
    );
  });

  it("keeps the max of the last hour's recommendations (minimal OOM tolerance: peak memory)", () => {
    const session = createAutopilotRecommender({
      oomTolerance: "minimal",
      peakWindowS: 1800,
    }).start(ctx);
    // 5 GiB at the sample 50 min before now, 1 GiB otherwise: the raw peak over 30 min is 1 GiB now, but it was 5 GiB 50 min ago.
    session.observe(
      makeChunk({
        count: 289,
        cpu: () => 1,
        mem: (i) => (i === 278 ? 5 * GIB : GIB),
      }),
    );
    expect(base(session.recommend(288 * 300)).memRequestBytes).toBeCloseTo(
      5 * GIB * 1.15,
      0,
    );
    const later = createAutopilotRecommender({
      oomTolerance: "minimal",
      peakWindowS: 1800,
    }).start(ctx);
    later.observe(
      makeChunk({
        count: 289,
        cpu: () => 1,
        mem: (i) => (i === 200 ? 5 * GIB : GIB),
      }),
    );
    expect(base(later.recommend(288 * 300)).memRequestBytes).toBeCloseTo(
      GIB * 1.15,
      0,
    );
  });

  it("answers insufficient-history when there is no valid reading", () => {
    const session = createAutopilotRecommender().start(ctx);
    session.observe(
      makeChunk({ count: 5, cpu: () => Number.NaN, mem: () => 0 }),
    );
    session.observe(
      makeChunk({ count: 5, cpu: () => 1, mem: () => Number.NaN }),
    );
    expect(session.recommend(3000)).toMatchObject({
      kind: "insufficient-history",
      confidence: 0,
    });
  });
});
