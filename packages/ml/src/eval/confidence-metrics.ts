// How well a stated confidence separates recommendations that hold from those that do not.
import { expectedCalibrationError } from "./aggregate";

export type ConfidenceOutcome = {
  confidence: number;
  holds: boolean;
  /** Provisioned minus recommended request cost over the scored day (real units), or null. */
  savingsMicroUsd: number | null;
};

/** Area under the ROC curve of confidence against holds (Mann-Whitney; ties count half). */
export function rocAuc(outcomes: readonly ConfidenceOutcome[]): number | null {
  const positives = outcomes.filter((o) => o.holds).length;
  const negatives = outcomes.length - positives;
  if (positives === 0 || negatives === 0) return null;
  // Per distinct confidence: how many held and how many did not, in ascending order.
  const groups = new Map<number, { held: number; all: number }>();
  for (const o of outcomes) {
    const g = groups.get(o.confidence) ?? { held: 0, all: 0 };
    g.all++;
    if (o.holds) g.held++;
    groups.set(o.confidence, g);
  }
  let rank = 0;
  let rankSum = 0;
  for (const [, g] of [...groups].sort((a, b) => a[0] - b[0])) {
    rankSum += g.held * (rank + (g.all + 1) / 2);
    rank += g.all;
  }
  return (
    (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
  );
}

/** 1 - Brier / Brier of always stating the base rate (> 0: better than the base rate). */
export function brierSkill(
  outcomes: readonly ConfidenceOutcome[],
): number | null {
  if (outcomes.length === 0) return null;
  const rate = outcomes.filter((o) => o.holds).length / outcomes.length;
  let brier = 0;
  for (const o of outcomes) brier += (o.confidence - (o.holds ? 1 : 0)) ** 2;
  brier /= outcomes.length;
  const reference = rate * (1 - rate);
  return reference > 0 ? 1 - brier / reference : null;
}

export type RiskCoverage = {
  threshold: number;
  /** Share of the recommendations at or above the threshold that held. */
  hold_rate: number | null;
  /** Share of all judged recommendations (series-days) at or above the threshold. */
  coverage: number;
  /** Share of all positive savings that the recommendations at or above the threshold carry. */
  savings_share: number | null;
};

const RISK_THRESHOLDS = [0.9, 0.95, 0.98, 0.99, 0.995] as const;

export function riskCoverage(
  outcomes: readonly ConfidenceOutcome[],
  thresholds: readonly number[] = RISK_THRESHOLDS,
): RiskCoverage[] {
  const positiveSavings = (o: ConfidenceOutcome): number =>
    Math.max(0, o.savingsMicroUsd ?? 0);
  const totalSavings = outcomes.reduce((s, o) => s + positiveSavings(o), 0);
  return thresholds.map((threshold) => {
    const above = outcomes.filter((o) => o.confidence >= threshold);
    const held = above.filter((o) => o.holds).length;
    return {
      threshold,
      hold_rate: above.length > 0 ? held / above.length : null,
      coverage: outcomes.length > 0 ? above.length / outcomes.length : 0,
      savings_share:
        totalSavings > 0
          ? above.reduce((s, o) => s + positiveSavings(o), 0) / totalSavings
          : null,
    };
  });
}

export type ConfidenceReport = {
  ece: number | null;
  brier_skill: number | null;
  auc: number | null;
  risk_coverage: RiskCoverage[];
  /** Distinct stated values (rounded to 3 digits): a confidence without resolution has a handful. */
  distinct_values: number;
  outcomes: number;
};

export function confidenceReport(
  outcomes: readonly ConfidenceOutcome[],
): ConfidenceReport {
  return {
    ece:
      outcomes.length > 0
        ? expectedCalibrationError(
            outcomes.map((o) => ({
              confidence: o.confidence,
              holds: o.holds,
            })),
          )
        : null,
    brier_skill: brierSkill(outcomes),
    auc: rocAuc(outcomes),
    risk_coverage: riskCoverage(outcomes),
    distinct_values: new Set(outcomes.map((o) => o.confidence.toFixed(3))).size,
    outcomes: outcomes.length,
  };
}
