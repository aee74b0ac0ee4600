import { describe, expect, it } from "vitest";

import { OUTPUT_SIZE, QUANTILE_LEVELS } from "../forecast/quantile-heads";
import type {
  Recommendation,
  RecommendResult,
  UsageChunk,
} from "../recommender";
import type { CalibrationMetadata } from "./model-metadata";
import { buildKubewiseRecommender, KUBEWISE_DEFAULTS } from "./recommender";

const MIB = 1_048_576;
const START_S = 1_700_006_400; // a Wednesday, 00:00 UTC
// Fake forecaster: log-ratio quantiles 0, 0.02, ... for both targets (fakes only in unit tests).
const fakeForecast = (): Float32Array =>
  Float32Array.from(
    { length: OUTPUT_SIZE },
    (_, j) => (j % QUANTILE_LEVELS.length) * 0.02,
  );

function series(
  days: number,
  at: (hour: number, i: number) => { cpu: number; mem: number },
): UsageChunk {
  const n = days * 288;
  const chunk = {
    timestampsS: new Float64Array(n),
    cpuCores: new Float64Array(n),
    memBytes: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const t = START_S + i * 300;
    const v = at(Math.floor((t % 86_400) / 3600), i);
    chunk.timestampsS[i] = t;
    chunk.cpuCores[i] = v.cpu;
    chunk.memBytes[i] = v.mem;
  }
  return chunk;
}

function recommendAfter(
  chunk: UsageChunk,
  options: {
    calibration?: CalibrationMetadata | null;
    targetHold?: number;
    unitSystem?: "real" | "normalized";
  } = {},
): RecommendResult {
  const recommender = buildKubewiseRecommender({
    ...KUBEWISE_DEFAULTS,
    forecast: fakeForecast,
    calibration: options.calibration ?? null,
    targetHold: options.targetHold ?? 0.95,
  });
  const session = recommender.start({
    seriesId: "s",
    sampleIntervalS: 300,
    unitSystem: options.unitSystem,
  });
  session.observe(chunk);
  const last =
    chunk.timestampsS.length > 0 ? Math.max(...chunk.timestampsS) : START_S;
  return session.recommend(last + 300);
}

function ok(result: RecommendResult): Recommendation {
  if (result.kind !== "ok")
    throw new Error(`expected a recommendation, got ${result.reason}`);
  return result.recommendation;
}

const steady = (): { cpu: number; mem: number } => ({
  cpu: 0.5,
  mem: 512 * MIB,
});
const noisy = (_h: number, i: number): { cpu: number; mem: number } => ({
  cpu: 0.5 + 0.3 * Math.sin(i * 1.7),
  mem: (500 + 20 * Math.sin(i * 0.3)) * MIB,
});

describe("kubewise recommender: bad input", () => {
  it.each([
    { name: "no history at all", chunk: series(0, steady) },
    {
      name: "six hours of history",
      chunk: { ...series(1, steady), ...sliceTo(series(1, steady), 72) },
    },
    {
      name: "only NaN readings",
      chunk: series(3, () => ({ cpu: Number.NaN, mem: Number.NaN })),
    },
    {
      name: "zero memory everywhere (missing readings)",
      chunk: series(3, () => ({ cpu: 0.2, mem: 0 })),
    },
  ])(
    "answers insufficient-history with a reason and low confidence for $name",
    ({ chunk }) => {
      const result = recommendAfter(chunk);
      expect(result.kind).toBe("insufficient-history");
      if (result.kind === "insufficient-history") {
        expect(result.reason.length).toBeGreaterThan(10);
        expect(result.confidence).toBeLessThanOrEqual(0.1);
      }
    },
  );

  it("gives the same answer for shuffled input as for sorted input", () => {
    const sorted = series(4, noisy);
    const order = Array.from(sorted.timestampsS.keys()).reverse();
    const shuffled = {
      timestampsS: Float64Array.from(order, (i) => sorted.timestampsS[i] ?? 0),
      cpuCores: Float64Array.from(order, (i) => sorted.cpuCores[i] ?? 0),
      memBytes: Float64Array.from(order, (i) => sorted.memBytes[i] ?? 0),
    };
    expect(ok(recommendAfter(shuffled))).toEqual(ok(recommendAfter(sorted)));
  });

  it("skips NaN, negative and zero readings and survives a day-long gap", () => {
    const chunk = series(6, (h, i) =>
      i % 7 === 0
        ? { cpu: Number.NaN, mem: 0 }
        : i % 11 === 0
          ? { cpu: -1, mem: Number.NaN }
          : noisy(h, i),
    );
    for (let i = 288 * 2; i < 288 * 3; i++)
      chunk.cpuCores[i] = chunk.memBytes[i] = Number.NaN;
    const rec = ok(recommendAfter(chunk));
    expect(rec.base.memLimitBytes).toBeGreaterThanOrEqual(520 * MIB * 0.99);
    expect(Number.isFinite(rec.base.cpuRequestCores)).toBe(true);
  });

  it("rejects a non-finite recommendation time", () => {
    const session = buildKubewiseRecommender({
      ...KUBEWISE_DEFAULTS,
      forecast: fakeForecast,
      calibration: null,
    }).start({ seriesId: "s", sampleIntervalS: 300 });
    expect(() => session.recommend(Number.NaN)).toThrow(RangeError);
  });
});

describe("kubewise recommender: policy", () => {
  it("never sets the memory limit below the last hour's peak, nor requests above limits", () => {
    const rec = ok(
      recommendAfter(
        series(3, (h) => ({ cpu: 0.4, mem: (h === 23 ? 900 : 400) * MIB })),
      ),
    );
    expect(rec.base.memLimitBytes).toBeGreaterThanOrEqual(900 * MIB);
    expect(rec.base.memRequestBytes).toBeLessThanOrEqual(
      rec.base.memLimitBytes ?? 0,
    );
    expect(rec.base.cpuRequestCores).toBeLessThanOrEqual(
      rec.base.cpuLimitCores ?? 0,
    );
  });

  it("applies floors in real units only", () => {
    const tiny = series(3, () => ({ cpu: 0.0001, mem: 1000 }));
    expect(ok(recommendAfter(tiny)).base).toMatchObject({
      cpuRequestCores: 0.001,
      memLimitBytes: 20 * MIB,
    });
    expect(
      ok(recommendAfter(tiny, { unitSystem: "normalized" })).base
        .cpuRequestCores,
    ).toBeLessThan(0.001);
  });

  it("adds time windows for a daily cycle and none for flat usage", () => {
    const daily = ok(
      recommendAfter(
        series(8, (h, i) => ({
          cpu: (h >= 9 && h < 17 ? 2 : 0.2) + 0.01 * Math.sin(i),
          mem: 600 * MIB,
        })),
      ),
    );
    // Peak / off-peak: the base holds outside the windows, each window its own request.
    const requests = [
      daily.base.cpuRequestCores,
      ...daily.windows.map((w) => w.values.cpuRequestCores),
    ];
    expect(daily.windows.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...requests)).toBeGreaterThan(3 * Math.min(...requests));
    expect(ok(recommendAfter(series(8, steady))).windows).toEqual([]);
  });

  it.each([["peak-hold"], ["lstm"], ["empirical"]] as const)(
    "selects only among the allowed memory models (%s)",
    (model) => {
      const recommender = buildKubewiseRecommender({
        ...KUBEWISE_DEFAULTS,
        forecast: fakeForecast,
        calibration: null,
        memoryModels: [model],
      });
      const session = recommender.start({
        seriesId: "s",
        sampleIntervalS: 300,
      });
      const chunk = series(10, noisy);
      session.observe(chunk);
      const last = chunk.timestampsS[chunk.timestampsS.length - 1] ?? 0;
      const result = session.recommendEveryStep(last + 300);
      expect(result.kind === "ladder" && result.memoryModel).toBe(model);
    },
  );

  it("bumps memory after an OOM to at least 1.2x the usage at the OOM", () => {
    const chunk = series(3, steady);
    const recommender = buildKubewiseRecommender({
      ...KUBEWISE_DEFAULTS,
      forecast: fakeForecast,
      calibration: null,
    });
    const session = recommender.start({ seriesId: "s", sampleIntervalS: 300 });
    session.observe(chunk);
    const last = chunk.timestampsS[chunk.timestampsS.length - 1] ?? 0;
    session.observeOom?.(last - 600);
    expect(
      ok(session.recommend(last + 300)).base.memLimitBytes,
    ).toBeGreaterThanOrEqual(512 * MIB + 100 * MIB);
  });

  it("states the calibrated probability and raises memory limits for a higher target", () => {
    const calibration: CalibrationMetadata = {
      holdDefinition: "test",
      maps: {
        all: { scores: [0, 3, 6, 9], probabilities: [0.5, 0.9, 0.96, 0.995] },
      },
      outcomes: 0,
      seriesDays: 0,
      expectedCalibrationError: 0,
      modelWins: {},
    };
    const chunk = series(4, noisy);
    const at95 = ok(recommendAfter(chunk, { calibration, targetHold: 0.95 }));
    const at99 = ok(recommendAfter(chunk, { calibration, targetHold: 0.99 }));
    expect(at95.confidence).toBe(0.96);
    expect(at99.confidence).toBe(0.995);
    expect(at99.base.memLimitBytes ?? 0).toBeGreaterThan(
      at95.base.memLimitBytes ?? 0,
    );
    // CPU requests come from the validated cost choice, not from the ladder.
    expect(at99.base.cpuRequestCores).toBe(at95.base.cpuRequestCores);
  });
});

function sliceTo(chunk: UsageChunk, n: number): UsageChunk {
  return {
    timestampsS: chunk.timestampsS.subarray(0, n),
    cpuCores: chunk.cpuCores.subarray(0, n),
    memBytes: chunk.memBytes.subarray(0, n),
  };
}
