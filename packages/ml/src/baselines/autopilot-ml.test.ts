import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { RecommendResult } from "../recommender";
import { createAutopilotMlRecommender } from "./autopilot-ml";
import type { EnsembleParams } from "./autopilot-ml-ensemble";
import { LimitEnsemble } from "./autopilot-ml-ensemble";
import { MIB } from "./sample-stream";
import { DAY_S, GIB, makeChunk } from "./test-helpers";

const ctx = { seriesId: "s", sampleIntervalS: 300 };
const PER_DAY = 288;

// End of the 5 %-growth bucket (first bucket `first`) that holds v: the candidate limit just above v.
function bucketEnd(v: number, first: number): number {
  const n = Math.floor(Math.log((v * 0.05) / first + 1) / Math.log(1.05));
  return (first * (Math.pow(1.05, n + 1) - 1)) / 0.05;
}

function base(result: RecommendResult) {
  if (result.kind !== "ok") throw new Error(result.reason);
  return result.recommendation.base;
}

const decay = (halfLifeS: number): number => 1 - Math.pow(2, -300 / halfLifeS);
const ENDS = Float64Array.from(
  { length: 200 },
  (_, k) => (1e-2 * (Math.pow(1.05, k + 1) - 1)) / 0.05,
);

function ensemble(overrides: Partial<EnsembleParams> = {}): LimitEnsemble {
  return new LimitEnsemble(ENDS, {
    sampleDecays: [decay(3600), decay(14 * DAY_S)],
    marginFractions: [0],
    overrunWeight: 1,
    underrunWeight: 0.004,
    limitChangeWeight: 0,
    modelChangeWeight: 0,
    costDecay: decay(DAY_S),
    costLagSamples: 1,
    ...overrides,
  });
}

describe("Autopilot ML ensemble (eqs. 4-9)", () => {
  it("keeps a single spike under the slow model's limit while the fast model returns to the base level", () => {
    const e = ensemble({ underrunWeight: 0.001 });
    for (let i = 0; i < 3 * PER_DAY; i++) e.observe(i === 100 ? 3 : 1);
    const [fast = 0, slow = 0] = e.modelLimits;
    expect(slow).toBeGreaterThanOrEqual(3);
    expect(fast).toBe(bucketEnd(1, 1e-2));
  });

  it("hands the limit to a faster model after a step down from a spiky level", () => {
    const e = ensemble({
      limitChangeWeight: 0.001,
      modelChangeWeight: 0.001,
      costDecay: decay(12 * 3600),
    });
    for (let i = 0; i < 3 * PER_DAY; i++) e.observe(i % 77 === 0 ? 3 : 1);
    expect(e.chosenModel).toBe(1);
    expect(e.limit).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 2 * PER_DAY; i++) e.observe(0.5);
    expect(e.chosenModel).toBe(0);
    expect(e.limit).toBe(bucketEnd(0.5, 1e-2));
    expect(e.modelLimits[1]).toBeGreaterThanOrEqual(3);
  });

  it("applies relative margins: L_m = L'_m (1 + M_m)", () => {
    const e = ensemble({ marginFractions: [0, 0.2] });
    for (let i = 0; i < PER_DAY; i++) e.observe(2 + (i % 5) * 0.1);
    const [fast0 = 0, fast20 = 0, slow0 = 0, slow20 = 0] = e.modelLimits;
    expect(fast20 / fast0).toBeCloseTo(1.2, 12);
    expect(slow20 / slow0).toBeCloseTo(1.2, 12);
  });

  it("does not hold the highest reading ever seen: the underrun weighs the wasted capacity", () => {
    const e = ensemble();
    e.observe(50);
    for (let i = 0; i < 14 * PER_DAY; i++) e.observe(1);
    expect(Math.max(...e.modelLimits)).toBe(bucketEnd(1, 1e-2));
  });

  it("never lowers a model's limit when the overrun weight grows (eq. 6 argmin is monotone)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 50, noNaN: true }), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: 1.5, max: 100, noNaN: true }),
        (values, overrunWeight, factor) => {
          const low = ensemble({ overrunWeight });
          const high = ensemble({ overrunWeight: overrunWeight * factor });
          for (const v of values) {
            low.observe(v);
            high.observe(v);
            for (let m = 0; m < 2; m++)
              expect(high.modelLimits[m]).toBeGreaterThanOrEqual(
                low.modelLimits[m] ?? 0,
              );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each([
    ["no decay", { sampleDecays: [] }],
    ["decay above 1", { sampleDecays: [1.5] }],
    ["no margin", { marginFractions: [] }],
    ["zero cost lag", { costLagSamples: 0 }],
    ["negative underrun weight", { underrunWeight: -1 }],
    ["margin of -100 %", { marginFractions: [-1] }],
  ])("rejects a bad configuration: %s", (_name, overrides) => {
    expect(() => ensemble(overrides)).toThrow(RangeError);
  });
});

describe("Autopilot ML recommender", () => {
  it("recommends just above a flat level: memory as request and limit, no CPU limit", () => {
    const session = createAutopilotMlRecommender().start(ctx);
    session.observe(
      makeChunk({ count: 2 * PER_DAY, cpu: () => 1, mem: () => GIB }),
    );
    const b = base(session.recommend(2 * DAY_S));
    expect(b.cpuRequestCores).toBeCloseTo(bucketEnd(1, 1e-3), 12);
    expect(b.cpuLimitCores).toBeNull();
    expect(b.memRequestBytes / bucketEnd(GIB, MIB)).toBeCloseTo(1, 12);
    expect(b.memLimitBytes).toBe(b.memRequestBytes);
  });

  it("applies the configured margin", () => {
    const session = createAutopilotMlRecommender({
      marginFractions: [0.25],
    }).start(ctx);
    session.observe(
      makeChunk({ count: 2 * PER_DAY, cpu: () => 1, mem: () => GIB }),
    );
    const b = base(session.recommend(2 * DAY_S));
    expect(b.memRequestBytes / (bucketEnd(GIB, MIB) * 1.25)).toBeCloseTo(1, 12);
  });

  it("raises the limits within two hours of a step up", () => {
    const session = createAutopilotMlRecommender().start(ctx);
    const step = 3 * PER_DAY;
    session.observe(
      makeChunk({
        count: step + 24,
        cpu: (i) => (i < step ? 1 : 2),
        mem: (i) => (i < step ? GIB : 2 * GIB),
      }),
    );
    const b = base(session.recommend((step + 24) * 300));
    expect(b.cpuRequestCores).toBeGreaterThanOrEqual(2);
    expect(b.memRequestBytes).toBeGreaterThanOrEqual(2 * GIB);
  });

  it.each([0.25, 1, 4])(
    "memory limit grows with the overrun weight (w_o = %d x default) on a bursty series",
    (scale) => {
      const limitFor = (overrunWeight: number): number => {
        const session = createAutopilotMlRecommender({
          memory: { overrunWeight, underrunWeight: 0.004 },
        }).start(ctx);
        session.observe(
          makeChunk({
            count: 6 * PER_DAY,
            cpu: () => 1,
            mem: (i) =>
              GIB * (1 + ((i * 7919) % 97) / 97 + (i % 131 === 0 ? 2 : 0)),
          }),
        );
        return base(session.recommend(6 * DAY_S)).memLimitBytes ?? 0;
      };
      expect(limitFor(2 * scale)).toBeGreaterThanOrEqual(limitFor(scale));
    },
  );

  it("skips NaN readings and ignores gaps (decay counts readings, not seconds)", () => {
    const mem = (i: number): number => GIB * (1 + (i % 13) / 10);
    const reference = createAutopilotMlRecommender().start(ctx);
    reference.observe(
      makeChunk({ count: 3 * PER_DAY, cpu: (i) => 1 + (i % 7) / 10, mem }),
    );
    const holey = createAutopilotMlRecommender().start(ctx);
    const withNaN = makeChunk({
      count: 3 * PER_DAY,
      cpu: (i) => 1 + (i % 7) / 10,
      mem,
    });
    // Same readings with a 2-day gap in the middle, and NaN rows inserted.
    const n = withNaN.timestampsS.length;
    const timestampsS = new Float64Array(n + 2);
    const cpuCores = new Float64Array(n + 2);
    const memBytes = new Float64Array(n + 2);
    for (let i = 0, j = 0; i < n; i++, j++) {
      if (i === 100 || i === 500) {
        timestampsS[j] =
          (withNaN.timestampsS[i] ?? 0) + (i >= 400 ? 2 * DAY_S : 0) - 150;
        cpuCores[j] = Number.NaN;
        memBytes[j] = Number.NaN;
        j++;
      }
      timestampsS[j] =
        (withNaN.timestampsS[i] ?? 0) + (i >= 400 ? 2 * DAY_S : 0);
      cpuCores[j] = withNaN.cpuCores[i] ?? 0;
      memBytes[j] = withNaN.memBytes[i] ?? 0;
    }
    holey.observe({ timestampsS, cpuCores, memBytes });
    expect(base(holey.recommend(6 * DAY_S))).toEqual(
      base(reference.recommend(3 * DAY_S)),
    );
  });

  it("drops unsorted and duplicated samples like the other baselines", () => {
    const chunk = makeChunk({ count: PER_DAY, cpu: () => 1, mem: () => GIB });
    const reference = createAutopilotMlRecommender().start(ctx);
    reference.observe(chunk);
    const session = createAutopilotMlRecommender().start(ctx);
    session.observe(chunk);
    session.observe(makeChunk({ count: 50, cpu: () => 8, mem: () => 8 * GIB }));
    expect(session.recommend(DAY_S)).toEqual(reference.recommend(DAY_S));
  });

  it("answers insufficient-history until both resources have a valid reading", () => {
    const session = createAutopilotMlRecommender().start(ctx);
    expect(session.recommend(0)).toMatchObject({
      kind: "insufficient-history",
      confidence: 0,
    });
    session.observe(
      makeChunk({ count: 5, cpu: () => 1, mem: () => Number.NaN }),
    );
    expect(session.recommend(1500)).toMatchObject({
      kind: "insufficient-history",
      confidence: 0,
    });
    session.observe(
      makeChunk({
        startS: 1500,
        count: 1,
        cpu: () => Number.NaN,
        mem: () => GIB,
      }),
    );
    expect(session.recommend(1800).kind).toBe("ok");
  });

  it("resolves normalized units (values ~1e-3) on a finer grid", () => {
    const session = createAutopilotMlRecommender().start({
      ...ctx,
      unitSystem: "normalized",
    });
    session.observe(
      makeChunk({ count: PER_DAY, cpu: () => 0.002, mem: () => 0.003 }),
    );
    const b = base(session.recommend(DAY_S));
    expect(b.cpuRequestCores).toBeCloseTo(bucketEnd(0.002, 1e-6), 12);
    expect(b.memRequestBytes).toBeCloseTo(bucketEnd(0.003, 1e-6), 12);
  });

  it("rejects a chunk whose arrays differ in length and a non-positive half-life", () => {
    const session = createAutopilotMlRecommender().start(ctx);
    expect(() =>
      session.observe({
        timestampsS: new Float64Array(2),
        cpuCores: new Float64Array(1),
        memBytes: new Float64Array(2),
      }),
    ).toThrow(/differ in length/);
    expect(() =>
      createAutopilotMlRecommender({ modelHalfLivesS: [0] }).start(ctx),
    ).toThrow(RangeError);
  });
});
