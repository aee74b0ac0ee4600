import type { TrainingSample } from "../features/training-samples";
import { runLstmForward } from "../forecast/lstm-forward";
import type { LstmWeights } from "../forecast/lstm-weights";
import {
  pinballLoss as pinball,
  QUANTILE_LEVELS,
  TARGET_COUNT,
  targetQuantiles,
} from "../forecast/quantile-heads";

export const HEAD_COUNT = TARGET_COUNT * QUANTILE_LEVELS.length;

/** Sums over scored examples, per head (target-major, like the model's outputs). */
export type ForecastScore = {
  examples: number;
  /** Summed pinball loss per head. */
  lossSum: Float64Array;
  /** Examples whose actual value exceeded the head's (monotone) quantile. */
  exceedances: Float64Array;
};

export function emptyScore(): ForecastScore {
  return {
    examples: 0,
    lossSum: new Float64Array(HEAD_COUNT),
    exceedances: new Float64Array(HEAD_COUNT),
  };
}

/** Adds `other` into `into`, scaled by `weight` (e.g. 1/M to average M models on the same examples). */
export function addScores(
  into: ForecastScore,
  other: ForecastScore,
  weight = 1,
): void {
  into.examples += other.examples * weight;
  for (let j = 0; j < HEAD_COUNT; j++) {
    into.lossSum[j] = (into.lossSum[j] ?? 0) + (other.lossSum[j] ?? 0) * weight;
    into.exceedances[j] =
      (into.exceedances[j] ?? 0) + (other.exceedances[j] ?? 0) * weight;
  }
}

/** Mean pinball loss over examples and heads (NaN without examples). */
export function meanPinball(score: ForecastScore): number {
  if (score.examples === 0) return Number.NaN;
  return (
    score.lossSum.reduce((a, v) => a + v, 0) / (score.examples * HEAD_COUNT)
  );
}

const CHUNK = 256;

/**
 * Scores a model's forecasts on examples the way they are used: the production forward pass, heads
 * made non-decreasing per target (targetQuantiles), pinball loss and exceedance per head.
 */
export function scoreForecasts(
  weights: LstmWeights,
  examples: readonly TrainingSample[],
): ForecastScore {
  const score = emptyScore();
  const first = examples[0];
  if (first === undefined) return score;
  const perExample = first.features.length;
  const seqLen = perExample / weights.inputSize;
  const input = new Float32Array(Math.min(CHUNK, examples.length) * perExample);
  for (let from = 0; from < examples.length; from += CHUNK) {
    const chunk = examples.slice(from, from + CHUNK);
    chunk.forEach((e, b) => input.set(e.features, b * perExample));
    const output = runLstmForward(
      weights,
      input.subarray(0, chunk.length * perExample),
      { batch: chunk.length, seqLen },
    );
    chunk.forEach((e, row) => addExample(score, e, { output, row }));
  }
  return score;
}

function addExample(
  score: ForecastScore,
  example: TrainingSample,
  at: { output: Float32Array; row: number },
): void {
  score.examples++;
  for (let t = 0; t < TARGET_COUNT; t++) {
    const quantiles = targetQuantiles(at.output, t, at.row);
    const actual = example.targets[t] ?? 0;
    QUANTILE_LEVELS.forEach((level, k) => {
      const j = t * QUANTILE_LEVELS.length + k;
      const predicted = quantiles[k] ?? 0;
      score.lossSum[j] =
        (score.lossSum[j] ?? 0) + pinball(actual, predicted, level);
      if (actual > predicted)
        score.exceedances[j] = (score.exceedances[j] ?? 0) + 1;
    });
  }
}
