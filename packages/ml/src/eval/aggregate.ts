import type { ScoredDay } from "./walk-forward";

export type PolicyMetrics = {
  mem_slack: number | null;
  oom_free_days: number | null;
  cpu_slack: number | null;
  cpu_under: number | null;
  cost_ratio: number | null;
  changes_per_day: number | null;
};

export type PolicySummary = {
  metrics: PolicyMetrics;
  seriesDays: number;
  fallbackDays: number;
  calibrationError: number | null;
};

export type AccumulatorState = {
  sums: number[];
  calibration: { confidence: number; holds: boolean }[];
};

/** Incremental per-policy sums, so series can be scored and dropped one at a time. */
export class PolicyAccumulator {
  private days = 0;
  private fallbackDays = 0;
  private memDays = 0;
  private oomFreeDays = 0;
  private memSlackSum = 0;
  private cpuSlackDays = 0;
  private cpuSlackSum = 0;
  private cpuSamples = 0;
  private cpuOver = 0;
  private cost = 0;
  private provisionedCost = 0;
  private changes = 0;
  private calibration: { confidence: number; holds: boolean }[] = [];

  /** Plain data (for a worker thread to send); `merge` folds it back in. */
  state(): AccumulatorState {
    return {
      sums: [
        this.days,
        this.fallbackDays,
        this.memDays,
        this.oomFreeDays,
        this.memSlackSum,
        this.cpuSlackDays,
        this.cpuSlackSum,
        this.cpuSamples,
        this.cpuOver,
        this.cost,
        this.provisionedCost,
        this.changes,
      ],
      calibration: this.calibration,
    };
  }

  merge(other: AccumulatorState): void {
    const s = other.sums;
    const at = (i: number): number => s[i] ?? 0;
    this.days += at(0);
    this.fallbackDays += at(1);
    this.memDays += at(2);
    this.oomFreeDays += at(3);
    this.memSlackSum += at(4);
    this.cpuSlackDays += at(5);
    this.cpuSlackSum += at(6);
    this.cpuSamples += at(7);
    this.cpuOver += at(8);
    this.cost += at(9);
    this.provisionedCost += at(10);
    this.changes += at(11);
    this.calibration = this.calibration.concat(other.calibration);
  }

  add(day: ScoredDay): void {
    this.days++;
    if (day.fallback) this.fallbackDays++;
    this.addSlack(day);
    this.cpuSamples += day.cpuSamples;
    this.cpuOver += day.cpuOverRequestSamples;
    if (day.costMicroUsd !== null && day.provisionedCostMicroUsd !== null) {
      this.cost += day.costMicroUsd;
      this.provisionedCost += day.provisionedCostMicroUsd;
    }
    if (day.changed === true) this.changes++;
    if (!day.fallback && day.confidence !== null && day.holds !== null) {
      this.calibration.push({ confidence: day.confidence, holds: day.holds });
    }
  }

  private addSlack(day: ScoredDay): void {
    if (day.memSamples > 0 && day.memSlack !== null) {
      this.memDays++;
      this.memSlackSum += day.memSlack;
      if (day.memOverLimitSamples === 0) this.oomFreeDays++;
    }
    if (day.cpuSlack !== null) {
      this.cpuSlackDays++;
      this.cpuSlackSum += day.cpuSlack;
    }
  }

  summary(): PolicySummary {
    const ratio = (num: number, den: number): number | null =>
      den > 0 ? num / den : null;
    return {
      metrics: {
        mem_slack: ratio(this.memSlackSum, this.memDays),
        oom_free_days: ratio(this.oomFreeDays, this.memDays),
        cpu_slack: ratio(this.cpuSlackSum, this.cpuSlackDays),
        cpu_under: ratio(this.cpuOver, this.cpuSamples),
        cost_ratio: ratio(this.cost, this.provisionedCost),
        changes_per_day: ratio(this.changes, this.days),
      },
      seriesDays: this.days,
      fallbackDays: this.fallbackDays,
      calibrationError:
        this.calibration.length > 0
          ? expectedCalibrationError(this.calibration)
          : null,
    };
  }
}

/** ECE with equal-width bins over [0, 1]: sum over bins of (n_b / N) * |mean confidence - hold rate|. */
export function expectedCalibrationError(
  outcomes: readonly { confidence: number; holds: boolean }[],
  bins = 10,
): number {
  if (outcomes.length === 0)
    throw new Error("expected calibration error needs at least one outcome");
  const binned = Array.from({ length: bins }, () => ({
    n: 0,
    confidence: 0,
    holds: 0,
  }));
  for (const { confidence, holds } of outcomes) {
    if (!(confidence >= 0 && confidence <= 1))
      throw new RangeError(`confidence must be in [0, 1], got ${confidence}`);
    const bin = binned[Math.min(bins - 1, Math.floor(confidence * bins))];
    if (bin === undefined) continue;
    bin.n++;
    bin.confidence += confidence;
    bin.holds += holds ? 1 : 0;
  }
  let ece = 0;
  for (const { n, confidence, holds } of binned) {
    if (n > 0)
      ece += (n / outcomes.length) * Math.abs(confidence / n - holds / n);
  }
  return ece;
}
