import { describe, expect, it } from "vitest";

import { createSlotHistory, slotOf } from "../features/slot-history";
import { OUTPUT_SIZE, QUANTILE_LEVELS } from "../forecast/quantile-heads";
import type { UsageChunk } from "../recommender";
import { createRng } from "../stats/rng";
import { restateValues } from "./assemble";
import type { Evidence } from "./evidence";
import { gatherEvidence, MEMORY_FEATURES } from "./evidence";
import {
  fitHoldsModel,
  HOLDS_FEATURES,
  holdsFeatures,
  holdsProbability,
} from "./holds-model";
import { cdfAt, fitLocationScale, locationScale } from "./location-scale";
import type { ConfidenceModel } from "./memory-risk";
import {
  chooseMemoryLimit,
  confidenceAtLimit,
  explainConfidence,
} from "./memory-risk";
import { buildKubewiseRecommender, KUBEWISE_DEFAULTS } from "./recommender";

const START_S = 1_700_006_400;
const GIB = 1024 ** 3;
const fakeForecast = (): Float32Array =>
  Float32Array.from(
    { length: OUTPUT_SIZE },
    (_, j) => (j % QUANTILE_LEVELS.length) * 0.02,
  );

function chunk(days: number, mem: (i: number) => number): UsageChunk {
  const n = days * 288;
  return {
    timestampsS: Float64Array.from({ length: n }, (_, i) => START_S + i * 300),
    cpuCores: Float64Array.from(
      { length: n },
      (_, i) => 0.2 + 0.05 * Math.sin(i / 20),
    ),
    memBytes: Float64Array.from({ length: n }, (_, i) => mem(i)),
  };
}

const LEVELS = [0, 0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999];

/** A model whose spread grows with volatility: stable containers get tight forecasts. */
const MODEL: ConfidenceModel = {
  holdDefinition: "test",
  memory: {
    features: MEMORY_FEATURES,
    mean: MEMORY_FEATURES.map(() => 0),
    std: MEMORY_FEATURES.map(() => 1),
    location: [0, ...MEMORY_FEATURES.map(() => 0)],
    logScale: [
      -3,
      ...MEMORY_FEATURES.map((f) => (f === "mem_volatility" ? 8 : 0)),
    ],
  },
  calibration: { scores: LEVELS, probabilities: LEVELS },
  fit: {},
};

function evidence(volatility: number): Evidence {
  return {
    historyDays: 14,
    gapFraction: 0,
    memPeak7dBytes: 2 * GIB,
    memPeak1dBytes: 2 * GIB,
    memPeak14dBytes: 2 * GIB,
    memP95_1dBytes: 1.8 * GIB,
    memVolatility: volatility,
    memNewHighDays: 0,
    memNearMissDays: 0,
    memTrendPerDay: 0,
    memPeakToP95: 1.1,
    memMaxStepBytes: 0.1 * GIB,
    memMaxHourJumpBytes: 0.05 * GIB,
    memStd7dBytes: 0.1 * GIB,
    memP99_7dBytes: 1.9 * GIB,
    cpuPeak7dCores: 1,
    cpuP95_7dCores: 0.5,
    cpuVolatility: 0.1,
    lstmMemQ50: 0,
    lstmMemQ90: 0.1,
    lstmMemQ98: 0.2,
  };
}

describe("fitLocationScale", () => {
  it("recovers a feature-dependent spread and calibrated probabilities", () => {
    const rng = createRng(7);
    const rows = Array.from({ length: 1500 }, () => {
      const vol = rng();
      const u = Math.max(1e-9, Math.min(1 - 1e-9, rng()));
      // Logistic noise with scale 0.05 + 0.3 * vol.
      const scale = 0.05 + 0.3 * vol;
      return { x: [vol], y: 0.1 + scale * Math.log(u / (1 - u)) };
    });
    const thresholds = [-0.4, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.5, 0.8];
    const model = fitLocationScale(rows, {
      features: ["vol"],
      thresholds,
      // Converged by 100 iterations on these rows (300 gives the same fit to 3 digits).
      iterations: 100,
    });
    const calm = locationScale(model, [0.05]);
    const wild = locationScale(model, [0.95]);
    expect(calm.scale).toBeLessThan(wild.scale / 2);
    expect(calm.mu).toBeCloseTo(0.1, 1);
    // Observed share below z = 0.3 among volatile rows matches the model within a few points.
    const volatile = rows.filter((r) => r.x[0]! > 0.8);
    const observed =
      volatile.filter((r) => r.y <= 0.3).length / volatile.length;
    expect(Math.abs(cdfAt(wild, 0.3) - observed)).toBeLessThan(0.08);
  });

  it("refuses rows of the wrong width", () => {
    expect(() =>
      fitLocationScale([{ x: [1, 2], y: 0 }], {
        features: ["a"],
        thresholds: [0],
      }),
    ).toThrow(/1 features/);
  });
});

describe("chooseMemoryLimit", () => {
  it("gives a stable container a higher confidence than a volatile one at the same risk weight", () => {
    const calm = chooseMemoryLimit(evidence(0.01), MODEL, {
      riskWeight: 2,
      minBytes: 0,
    });
    const wild = chooseMemoryLimit(evidence(0.3), MODEL, {
      riskWeight: 2,
      minBytes: 0,
    });
    expect(calm.confidence).toBeGreaterThan(wild.confidence);
    expect(calm.limitBytes).toBeLessThan(wild.limitBytes);
  });

  it("raises the limit and the confidence as the risk weight rises, and respects the floor", () => {
    const e = evidence(0.1);
    const low = chooseMemoryLimit(e, MODEL, { riskWeight: 0.5, minBytes: 0 });
    const high = chooseMemoryLimit(e, MODEL, { riskWeight: 20, minBytes: 0 });
    expect(high.limitBytes).toBeGreaterThan(low.limitBytes);
    expect(high.modelProbability).toBeGreaterThan(low.modelProbability);
    const floored = chooseMemoryLimit(e, MODEL, {
      riskWeight: 0.5,
      minBytes: 5 * GIB,
    });
    expect(floored.limitBytes).toBeGreaterThanOrEqual(5 * GIB * 0.999);
  });

  it("names the evidence that lowers a volatile container's confidence", () => {
    const factors = explainConfidence(evidence(0.3), MODEL, 2.2 * GIB);
    expect(factors[0]).toMatchObject({
      name: "mem_volatility",
      effect: "lowers",
    });
    expect(factors[0]?.text).toMatch(/varied a lot/);
  });
});

describe("gatherEvidence", () => {
  it("reads peaks, new highs and history length from the slot history", () => {
    const history = createSlotHistory({ retentionSlots: 15 * 288 });
    const c = chunk(10, (i) =>
      i === 9 * 288 + 5 ? 3 * GIB : GIB + (i % 288) * 1000,
    );
    for (let i = 0; i < c.timestampsS.length; i++)
      history.add(c.timestampsS[i]!, c.cpuCores[i]!, c.memBytes[i]!);
    const e = gatherEvidence(history, slotOf(START_S + 10 * 86_400), undefined);
    expect(e?.historyDays).toBe(10);
    expect(e?.memPeak7dBytes).toBe(3 * GIB);
    expect(e?.memPeak1dBytes).toBe(3 * GIB);
    expect(e?.memNewHighDays).toBe(1);
    expect(e?.gapFraction).toBe(0);
    expect(Number.isNaN(e?.lstmMemQ50)).toBe(true);
    // The spike rose 2 GiB minus the ramp from the slot before it, and 2 GiB above the running peak.
    expect(e?.memMaxStepBytes).toBeCloseTo(3 * GIB - (GIB + 4000), -3);
    expect(e?.memMaxHourJumpBytes).toBeCloseTo(3 * GIB - (GIB + 287_000), -3);
    expect(e?.memP99_7dBytes).toBeLessThan(2 * GIB);
  });
});

describe("the holds model", () => {
  // Holds when the headroom exceeds a step drawn per row; evidence otherwise neutral.
  function rows(n: number) {
    const rng = createRng(11);
    return Array.from({ length: n }, () => {
      const stepShare = 0.02 + 0.2 * rng();
      const e: Evidence = {
        ...evidence(0.05),
        memMaxStepBytes: stepShare * 2 * GIB,
      };
      const limit = 2 * GIB * (1 + 0.5 * rng());
      const jump = 2 * GIB * stepShare * 3 * rng();
      return {
        e,
        limit,
        x: holdsFeatures(e, limit, 0),
        holds: 2 * GIB + jump <= limit,
      };
    });
  }

  it("learns that headroom in units of the largest step holds, and never lowers the confidence for a higher limit", () => {
    const data = rows(1500);
    const holds = fitHoldsModel(data, { features: HOLDS_FEATURES, rounds: 30 });
    const e = { ...evidence(0.05), memMaxStepBytes: 0.1 * GIB };
    const p = (limit: number) =>
      holdsProbability(holds, holdsFeatures(e, limit, 0));
    expect(p(2.4 * GIB)).toBeGreaterThan(p(2.1 * GIB) + 0.2);
    const model: ConfidenceModel = { ...MODEL, holds };
    let last = 0;
    for (let limit = 1.8 * GIB; limit < 3.5 * GIB; limit += 0.05 * GIB) {
      const c = confidenceAtLimit(e, model, limit);
      expect(c).toBeGreaterThanOrEqual(last);
      last = c;
    }
    const factors = explainConfidence(e, model, 2.05 * GIB);
    expect(factors[0]).toMatchObject({ name: "headroom", effect: "lowers" });
    expect(factors[0]?.text).toMatch(
      /above the 7-day peak.*largest 5-minute rise/,
    );
  });

  it("refuses rows with missing features", () => {
    expect(() =>
      fitHoldsModel([{ x: [Number.NaN], holds: true }], { features: ["a"] }),
    ).toThrow(/finite/);
  });
});

describe("the risk-priced recommender", () => {
  function recommend(mem: (i: number) => number) {
    const session = buildKubewiseRecommender({
      ...KUBEWISE_DEFAULTS,
      forecast: fakeForecast,
      calibration: null,
      confidenceModel: MODEL,
    }).start({ seriesId: "s", sampleIntervalS: 300 });
    session.observe(chunk(10, mem));
    const result = session.recommend(START_S + 10 * 86_400);
    if (result.kind !== "ok") throw new Error(result.reason);
    return result.recommendation;
  }

  it("states different confidences for a flat and a jumpy container, with evidence, factors and no CPU limit", () => {
    const flat = recommend(() => GIB);
    const jumpy = recommend((i) =>
      Math.floor(i / 288) % 2 === 0 ? GIB : 1.6 * GIB,
    );
    expect(flat.confidence).not.toBeCloseTo(jumpy.confidence ?? 0, 3);
    expect(flat.confidence ?? 0).toBeGreaterThan(jumpy.confidence ?? 1);
    expect(flat.base.cpuLimitCores).toBeNull();
    expect(flat.evidence).toMatchObject({
      historyDays: 10,
      memPeak7dBytes: GIB,
    });
    expect(jumpy.factors?.length).toBeGreaterThan(0);
  });
});

describe("restateValues", () => {
  it("states today's confidence for the published limit, lower when the evidence turned volatile", () => {
    const published = {
      cpuRequestCores: 1,
      cpuLimitCores: null,
      memRequestBytes: 0.6 * GIB,
      memLimitBytes: 2.3 * GIB,
    };
    const calm = restateValues(published, {
      evidence: evidence(0.01),
      model: MODEL,
    });
    const wild = restateValues(published, {
      evidence: evidence(0.4),
      model: MODEL,
    });
    expect(calm.confidence).toBeGreaterThan(wild.confidence);
    expect(calm.confidence).toBe(
      confidenceAtLimit(evidence(0.01), MODEL, 2.3 * GIB),
    );
    expect(wild.factors.map((f) => f.name)).toContain("mem_volatility");
  });
});
