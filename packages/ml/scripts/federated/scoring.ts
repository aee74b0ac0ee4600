// bench:federated scoring: per-series forecast scores of every arm on the walk-forward test windows.
import {
  addScores,
  emptyScore,
  HEAD_COUNT,
  meanPinball,
  scoreForecasts,
  type ForecastScore,
} from "../../src/federated/evaluate";
import { pairedRatioUpperBound } from "../../src/federated/noninferiority";
import type { LstmWeights } from "../../src/forecast/lstm-weights";
import { QUANTILE_LEVELS } from "../../src/forecast/quantile-heads";
import type { Arm } from "./arms";
import { examplesIn, type BenchNode } from "./data";

export type ArmScores = {
  /** Test-period scores per series. */
  bySeries: Map<string, ForecastScore>;
  /** Mean pinball of each round's test window (every round, warm-up included). */
  curve: number[];
};

export function createArmScores(): ArmScores {
  return { bySeries: new Map(), curve: [] };
}

/** Scores `arm` on examples whose input ends in [fromS, toS); counts them when `counted`. */
export function scoreWindow(
  arm: Arm,
  scores: ArmScores,
  window: {
    nodes: readonly BenchNode[];
    fromS: number;
    toS: number;
    counted: boolean;
  },
): void {
  const round = emptyScore();
  for (const node of window.nodes) {
    const model = arm.modelFor(node);
    for (const member of node.members) {
      const examples = examplesIn([member], window.fromS, window.toS);
      if (examples.length === 0) continue;
      const score = scoreForecasts(model, examples);
      addScores(round, score);
      if (!window.counted) continue;
      const total = scores.bySeries.get(member.seriesId) ?? emptyScore();
      addScores(total, score);
      scores.bySeries.set(member.seriesId, total);
    }
  }
  scores.curve.push(meanPinball(round));
}

/**
 * Local-only models on nodes they never saw: every held-back series scored by each training node's
 * local model, averaged over the models (a node without its own history borrowing one).
 */
export function scoreTransplanted(
  models: readonly LstmWeights[],
  scores: ArmScores,
  window: {
    nodes: readonly BenchNode[];
    fromS: number;
    toS: number;
    counted: boolean;
  },
): void {
  const round = emptyScore();
  for (const node of window.nodes.filter((n) => n.heldBack))
    for (const member of node.members) {
      const examples = examplesIn([member], window.fromS, window.toS);
      if (examples.length === 0 || models.length === 0) continue;
      const total = scores.bySeries.get(member.seriesId) ?? emptyScore();
      for (const model of models) {
        const score = scoreForecasts(model, examples);
        addScores(round, score, 1 / models.length);
        if (window.counted) addScores(total, score, 1 / models.length);
      }
      if (window.counted) scores.bySeries.set(member.seriesId, total);
    }
  scores.curve.push(meanPinball(round));
}

export function pooled(
  scores: ArmScores,
  seriesIds?: ReadonlySet<string>,
): ForecastScore {
  const total = emptyScore();
  for (const [id, score] of scores.bySeries)
    if (seriesIds === undefined || seriesIds.has(id)) addScores(total, score);
  return total;
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Pinball per head ("mem@0.5", ..., "cpu@0.995") and calibration: exceedance vs 1 - tau per head. */
export function headReport(score: ForecastScore): {
  pinball: number;
  perQuantile: Record<string, number>;
  exceedance: Record<string, number>;
  calibrationError: number;
} {
  const perQuantile: Record<string, number> = {};
  const exceedance: Record<string, number> = {};
  let calibration = 0;
  for (let j = 0; j < HEAD_COUNT; j++) {
    const level = QUANTILE_LEVELS[j % QUANTILE_LEVELS.length] ?? 0.5;
    const name = `${j < QUANTILE_LEVELS.length ? "mem" : "cpu"}@${level}`;
    perQuantile[name] = round4((score.lossSum[j] ?? 0) / score.examples);
    const rate = (score.exceedances[j] ?? 0) / score.examples;
    exceedance[name] = round4(rate);
    calibration += Math.abs(rate - (1 - level)) / HEAD_COUNT;
  }
  return {
    pinball: round4(meanPinball(score)),
    perQuantile,
    exceedance,
    calibrationError: round4(calibration),
  };
}

/** Paired bootstrap over series of pinball(candidate) / pinball(baseline), both on the same examples. */
export function compareArms(
  candidate: ArmScores,
  baseline: ArmScores,
  options: { seriesIds?: ReadonlySet<string>; seed: number },
): { ratio: number; upper95: number; series: number } {
  const pairs = [...candidate.bySeries].flatMap(([id, score]) => {
    const other = baseline.bySeries.get(id);
    if (
      other === undefined ||
      (options.seriesIds !== undefined && !options.seriesIds.has(id))
    )
      return [];
    return [
      {
        candidate: score.lossSum.reduce((a, v) => a + v, 0),
        baseline: other.lossSum.reduce((a, v) => a + v, 0),
      },
    ];
  });
  const interval = pairedRatioUpperBound(pairs, {
    resamples: 2000,
    level: 0.95,
    seed: options.seed,
  });
  return {
    ratio: round4(interval.ratio),
    upper95: round4(interval.upper),
    series: interval.units,
  };
}

/** Worst-decile node: the 90th percentile over nodes of pinball(candidate) / pinball(baseline). */
export function worstDecileNodeRatio(
  candidate: ArmScores,
  baseline: ArmScores,
  nodes: readonly BenchNode[],
): number {
  const ratios = nodes
    .map((node) => {
      const ids = new Set(node.members.map((m) => m.seriesId));
      return (
        meanPinball(pooled(candidate, ids)) / meanPinball(pooled(baseline, ids))
      );
    })
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return round4(
    ratios[Math.min(ratios.length - 1, Math.floor(0.9 * ratios.length))] ??
      Number.NaN,
  );
}

/**
 * Rounds to converge: the first round after which the 3-round moving average of the federated
 * curve stays within `tolerance` of central's; null when it never does.
 */
export function roundsToConverge(
  fl: number[],
  central: number[],
  tolerance: number,
): number | null {
  const ratio = fl.map((v, r) => v / (central[r] ?? Number.NaN));
  const smooth = ratio.map((_, r) => {
    const window = ratio
      .slice(Math.max(0, r - 2), r + 1)
      .filter(Number.isFinite);
    return window.reduce((a, v) => a + v, 0) / window.length;
  });
  for (let r = 0; r < smooth.length; r++)
    if (smooth.slice(r).every((v) => !(v > 1 + tolerance))) return r + 1;
  return null;
}
