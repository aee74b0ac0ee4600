// Fits the confidence calibration: walk-forward over the calibration series (never trained on), every
// risk ladder step scored with the harness' own day scoring and "holds" definition, then isotonic maps.
import { fitIsotonic } from "../src/calibration/isotonic";
import { expectedCalibrationError } from "../src/eval/aggregate";
import { doesRecommendationHold, HOLDS_DEFINITION } from "../src/eval/holds";
import {
  lookupProvisioned,
  lookupRecommendation,
  scoreDay,
  type InForceLookup,
} from "../src/eval/score-day";
import { dayBoundaries, nominalIntervalS } from "../src/eval/walk-forward";
import { chooseLadderStep } from "../src/kubewise/ladder";
import type {
  CalibrationMetadata,
  ForecasterMetadata,
} from "../src/kubewise/model-metadata";
import {
  buildKubewiseRecommender,
  KUBEWISE_DEFAULTS,
  type LadderResult,
} from "../src/kubewise/recommender";
import {
  createWeightsForecastFn,
  loadShippedModel,
} from "../src/onnx/shipped-model";
import type { TraceSeries } from "../src/traces/series-builder";

type Outcome = {
  step: number;
  hold: boolean;
  memoryModel: string;
  day: string;
};

const MIN_POINTS_PER_MODEL_MAP = 400;

/** One outcome per ladder step whose day has a hold verdict. */
function scoreLadderDay(
  result: Extract<LadderResult, { kind: "ladder" }>,
  day: {
    series: TraceSeries;
    window: { start: number; end: number; sampleIntervalS: number };
    provisioned: InForceLookup;
    day: string;
  },
): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const [step, rec] of result.recommendations.entries()) {
    const score = scoreDay(day.series, day.window, {
      policy: lookupRecommendation(day.series, rec),
      provisioned: day.provisioned,
    });
    const hold = doesRecommendationHold(score);
    if (hold !== null)
      outcomes.push({
        step,
        hold,
        memoryModel: result.memoryModel,
        day: day.day,
      });
  }
  return outcomes;
}

function collectOutcomes(
  series: TraceSeries[],
  forecastDir: string,
  log: (message: string) => void,
): { outcomes: Outcome[]; wins: Record<string, number> } {
  const model = loadShippedModel({ modelDir: forecastDir });
  const recommender = buildKubewiseRecommender({
    ...KUBEWISE_DEFAULTS,
    forecast: createWeightsForecastFn(model.weights),
    calibration: null,
  });
  const outcomes: Outcome[] = [];
  const wins: Record<string, number> = {};
  for (const [n, s] of series.entries()) {
    const sampleIntervalS = nominalIntervalS(s.timestampsS);
    const session = recommender.start({
      seriesId: s.seriesId,
      sampleIntervalS,
      unitSystem: s.unitSystem,
    });
    const provisioned = lookupProvisioned(s);
    const { dayStartsS, bounds } = dayBoundaries(s);
    let observed = 0;
    for (const [k, dayStartS] of dayStartsS.entries()) {
      const start = bounds[k] ?? 0;
      const end = bounds[k + 1] ?? start;
      session.observe({
        timestampsS: s.timestampsS.subarray(observed, start),
        cpuCores: s.cpu.subarray(observed, start),
        memBytes: s.mem.subarray(observed, start),
      });
      observed = start;
      const result = session.recommendEveryStep(dayStartS);
      if (result.kind !== "ladder" || end <= start) continue;
      wins[`memory:${result.memoryModel}`] =
        (wins[`memory:${result.memoryModel}`] ?? 0) + 1;
      wins[`cpu:${result.cpuModel}`] =
        (wins[`cpu:${result.cpuModel}`] ?? 0) + 1;
      outcomes.push(
        ...scoreLadderDay(result, {
          series: s,
          window: { start, end, sampleIntervalS },
          provisioned,
          day: `${s.seriesId}@${dayStartS}`,
        }),
      );
    }
    log(
      `calibration ${n + 1}/${series.length} ${s.seriesId}: ${outcomes.length} outcomes so far`,
    );
  }
  return { outcomes, wins };
}

export async function runCalibration(options: {
  onnxPath: string;
  modelDir: string;
  metadata: ForecasterMetadata;
  series: TraceSeries[];
  log: (message: string) => void;
}): Promise<CalibrationMetadata> {
  await Promise.resolve();
  const { outcomes, wins } = collectOutcomes(
    options.series,
    options.modelDir,
    options.log,
  );
  const toPoints = (list: Outcome[]): { score: number; outcome: number }[] =>
    list.map((o) => ({ score: o.step, outcome: o.hold ? 1 : 0 }));
  const maps: CalibrationMetadata["maps"] = {
    all: fitIsotonic(toPoints(outcomes)),
  };
  for (const memoryModel of new Set(outcomes.map((o) => o.memoryModel))) {
    const subset = outcomes.filter((o) => o.memoryModel === memoryModel);
    if (subset.length >= MIN_POINTS_PER_MODEL_MAP)
      maps[memoryModel] = fitIsotonic(toPoints(subset));
  }
  const calibration: CalibrationMetadata = {
    holdDefinition: HOLDS_DEFINITION,
    maps,
    outcomes: outcomes.length,
    seriesDays: new Set(outcomes.map((o) => o.day)).size,
    expectedCalibrationError: Number.NaN,
    modelWins: wins,
  };
  const chosen = outcomes.filter(
    (o) =>
      o.step ===
      chooseLadderStep(calibration, o.memoryModel, {
        targetHold: KUBEWISE_DEFAULTS.targetHold,
      }).index,
  );
  calibration.expectedCalibrationError = expectedCalibrationError(
    chosen.map((o) => ({
      confidence: chooseLadderStep(calibration, o.memoryModel, {
        targetHold: KUBEWISE_DEFAULTS.targetHold,
      }).confidence,
      holds: o.hold,
    })),
  );
  options.log(
    `calibration: ${calibration.seriesDays} series-days, in-sample ECE at target ${KUBEWISE_DEFAULTS.targetHold}: ${calibration.expectedCalibrationError.toFixed(4)}`,
  );
  return calibration;
}
