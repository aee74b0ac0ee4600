// Fits the confidence model (npm run train): the location-scale model of tomorrow's memory peak on
// the fit series, the holds model of the limits it picks on every series, then the isotonic map from
// the holds model's probability to the observed hold rate, on scores of trees that did not see the
// series (cross-fitted over three sub-folds). The same procedure, rotated over four folds of series, gives out-of-fold
// figures (ECE, AUC, Brier skill, risk coverage) that no series contributes to its own fit.
import { fitIsotonic } from "../calibration/isotonic";
import { confidenceReport } from "../eval/confidence-metrics";
import type { ConfidenceOutcome } from "../eval/confidence-metrics";
import { HOLDS_DEFINITION } from "../eval/holds";
import { hashString } from "../forecast/seeded";
import { MEMORY_FEATURES, memoryFeatures } from "./evidence";
import type { EvidenceRow } from "./evidence-rows";
import type { HoldsModel } from "./holds-model";
import { fitHoldsModel, HOLDS_FEATURES, holdsFeatures } from "./holds-model";
import { fitLocationScale, locationScale } from "./location-scale";
import type { LocationScaleModel } from "./location-scale";
import { chooseMemoryLimit, confidenceOf } from "./memory-risk";
import type { ConfidenceModel } from "./memory-risk";

/** Risk weights the isotonic map is fitted over, so it covers every probability the sweep states. */
const CALIBRATION_RISK_WEIGHTS = [0.5, 1, 2, 4, 8] as const;
const THRESHOLD_LEVELS = [
  0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95,
  0.96, 0.97, 0.98, 0.985, 0.99, 0.993, 0.996, 0.998,
];

const logPeakRatio = (r: EvidenceRow): number =>
  Math.log(r.next.memPeak / r.evidence.memPeak7dBytes);

function fitMemory(
  rows: EvidenceRow[],
  iterations: number,
): LocationScaleModel {
  const fitRows = rows.map((r) => ({
    x: memoryFeatures(r.evidence),
    y: logPeakRatio(r),
  }));
  const ys = fitRows.map((r) => r.y).sort((a, b) => a - b);
  return fitLocationScale(fitRows, {
    features: MEMORY_FEATURES,
    thresholds: THRESHOLD_LEVELS.map(
      (l) => ys[Math.floor(l * (ys.length - 1))] ?? 0,
    ),
    iterations,
  });
}

/** (model probability, held) of the limit each risk weight picks, for every row. */
function scoredChoices(
  rows: EvidenceRow[],
  model: ConfidenceModel,
  riskWeights: readonly number[],
): { p: number; holds: boolean; riskWeight: number; row: EvidenceRow }[] {
  return rows.flatMap((row) =>
    riskWeights.map((riskWeight) => {
      const choice = chooseMemoryLimit(row.evidence, model, {
        riskWeight,
        minBytes: 0,
      });
      return {
        p: choice.modelProbability,
        holds: row.next.memPeak <= choice.limitBytes,
        riskWeight,
        row,
      };
    }),
  );
}

/**
 * The holds model on the limits the location-scale model picks at each calibration risk weight (so it
 * sees thin and ample headroom), with what the next day then brought.
 */
function fitHolds(rows: EvidenceRow[], memory: LocationScaleModel): HoldsModel {
  const provisional = provisionalModel(memory);
  const fitRows = rows.flatMap((row) => {
    const params = locationScale(memory, memoryFeatures(row.evidence));
    return CALIBRATION_RISK_WEIGHTS.map((riskWeight) => {
      const { limitBytes } = chooseMemoryLimit(row.evidence, provisional, {
        riskWeight,
        minBytes: 0,
      });
      const z = Math.log(limitBytes / row.evidence.memPeak7dBytes);
      return {
        x: holdsFeatures(
          row.evidence,
          limitBytes,
          (z - params.mu) / params.scale,
        ),
        holds: row.next.memPeak <= limitBytes,
      };
    });
  });
  return fitHoldsModel(fitRows, {
    features: HOLDS_FEATURES,
    depth: HOLDS_TREE_DEPTH,
  });
}

/**
 * Depth of the holds model's trees. Out of fold on the dev traces (150 rounds, same folds): depth 3
 * Brier skill 0.067 / AUC 0.771, depth 4 0.078 / 0.779, depth 5 0.080 / 0.777 (ADR 0008).
 */
const HOLDS_TREE_DEPTH = 5;

function fold(seriesId: string): number {
  return hashString(`confidence:${seriesId}`) % 4;
}

/** Sub-fold (of three) of a series for the holds model's cross-fitted calibration scores. */
function stackFold(seriesId: string): number {
  return hashString(`stack:${seriesId}`) % 3;
}

/**
 * The isotonic map's points without a calibration split for the holds model: the rows are cut into
 * three sub-folds of series, the holds model is fitted on two and scores the third at each
 * calibration risk weight, so every row is scored by trees that did not see its series (cross-fitting).
 */
function crossFittedScores(
  rows: EvidenceRow[],
  memory: LocationScaleModel,
): { p: number; holds: boolean }[] {
  return [0, 1, 2].flatMap((j) => {
    const holds = fitHolds(
      rows.filter((r) => stackFold(r.seriesId) !== j),
      memory,
    );
    return scoredChoices(
      rows.filter((r) => stackFold(r.seriesId) === j),
      { ...provisionalModel(memory), holds },
      CALIBRATION_RISK_WEIGHTS,
    );
  });
}

function provisionalModel(memory: LocationScaleModel): ConfidenceModel {
  return {
    holdDefinition: HOLDS_DEFINITION,
    memory,
    calibration: { scores: [0], probabilities: [1] },
    fit: {},
  };
}

/**
 * The location-scale model is fitted on the fit series only, as before (it sets the limits, which so
 * stay unchanged), the holds model on every series, and the
 * isotonic map on the holds model's cross-fitted scores of every series (ADR 0008, session 6: the
 * trees see all the data and the map three times the rows of a calibration split).
 */
export function fitConfidenceModel(
  rows: EvidenceRow[],
  options: {
    isCalibrationSeries: (seriesId: string) => boolean;
    iterations?: number;
    log?: (message: string) => void;
  },
): ConfidenceModel {
  const iterations = options.iterations ?? 200;
  const fitRows = rows.filter((r) => !options.isCalibrationSeries(r.seriesId));
  const calRows = rows.filter((r) => options.isCalibrationSeries(r.seriesId));
  if (fitRows.length === 0 || calRows.length === 0)
    throw new RangeError(
      `confidence fit needs fit and calibration series (have ${fitRows.length} / ${calRows.length} rows)`,
    );
  const memory = fitMemory(fitRows, iterations);
  const holds = fitHolds(rows, memory);
  const calibration = fitIsotonic(
    crossFittedScores(rows, memory).map((s) => ({
      score: s.p,
      outcome: s.holds ? 1 : 0,
    })),
  );
  options.log?.(
    `confidence: location-scale model fitted on ${fitRows.length} series-days, holds model on all ${rows.length}, isotonic on their cross-fitted scores`,
  );
  return {
    holdDefinition: HOLDS_DEFINITION,
    memory,
    holds,
    calibration,
    fit: {
      fitSeriesDays: fitRows.length,
      holdsSeriesDays: rows.length,
      calibrationSeriesDays: rows.length,
      iterations,
    },
  };
}

export type CrossValidation = ReturnType<typeof confidenceReport> & {
  riskWeight: number;
  oomFreeDays: number;
  memSlack: number;
};

/**
 * Out-of-fold check: for each fold, fit the location-scale model on two other folds, the holds model
 * and its cross-fitted isotonic map on all three, then state confidences on the held-out fold at each
 * risk weight.
 */
export function crossValidateConfidence(
  rows: EvidenceRow[],
  options: {
    riskWeights: readonly number[];
    iterations?: number;
    log?: (m: string) => void;
  },
): CrossValidation[] {
  const byWeight = new Map<number, ConfidenceOutcome[]>();
  const slack = new Map<number, { sum: number; n: number; free: number }>();
  for (let k = 0; k < 4; k++) {
    const calFold = (k + 1) % 4;
    const train = rows.filter((r) => fold(r.seriesId) !== k);
    const model = fitConfidenceModel(train, {
      isCalibrationSeries: (id) => fold(id) === calFold,
      iterations: options.iterations,
    });
    const test = rows.filter((r) => fold(r.seriesId) === k);
    for (const s of scoredChoices(test, model, options.riskWeights)) {
      const list = byWeight.get(s.riskWeight) ?? [];
      const limit = chooseMemoryLimit(s.row.evidence, model, {
        riskWeight: s.riskWeight,
        minBytes: 0,
      }).limitBytes;
      list.push({
        confidence: confidenceOf(model, s.p),
        holds: s.holds,
        savingsMicroUsd: null,
      });
      byWeight.set(s.riskWeight, list);
      const acc = slack.get(s.riskWeight) ?? { sum: 0, n: 0, free: 0 };
      acc.sum += Math.max(0, limit - s.row.next.memP95) / limit;
      acc.n++;
      acc.free += s.holds ? 1 : 0;
      slack.set(s.riskWeight, acc);
    }
    options.log?.(`cross-validation: fold ${k + 1}/4 done`);
  }
  return options.riskWeights.map((riskWeight) => {
    const outcomes = byWeight.get(riskWeight) ?? [];
    const acc = slack.get(riskWeight) ?? { sum: 0, n: 1, free: 0 };
    return {
      ...confidenceReport(outcomes),
      riskWeight,
      oomFreeDays: acc.free / acc.n,
      memSlack: acc.sum / acc.n,
    };
  });
}
