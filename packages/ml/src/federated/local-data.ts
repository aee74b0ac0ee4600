import { SLOT_SECONDS } from "../features/slot-history";
import { buildTrainingSamples } from "../features/training-samples";
import type { TrainingSample } from "../features/training-samples";
import { shuffleInPlace } from "../forecast/seeded";
import { createRng } from "../stats/rng";

/** One container's 5-minute slots (CPU mean, memory peak), slot = floor(unix seconds / 300). */
export type SlotSeries = {
  key: string;
  slots: ArrayLike<number> & Iterable<number>;
  cpuCores: ArrayLike<number>;
  memBytes: ArrayLike<number>;
};

export type LocalDataOptions = {
  /** Slots between consecutive examples (36 = one every 3 h). */
  strideSlots: number;
  /** Training examples' targets end within this many days before the holdout. */
  historyDays: number;
  /** The newest hours: never trained on, used for validation and federated evaluation. */
  holdoutHours: number;
  /** More training examples than this are subsampled (seeded) to bound the round's CPU. */
  maxTrainExamples: number;
  seed: number;
  /** One past the newest slot; defaults to the newest slot in the data + 1. */
  endSlot?: number;
};

export type LocalExamples = {
  train: TrainingSample[];
  /** Examples whose 24 h target ends inside the holdout (the model never saw those targets). */
  validation: TrainingSample[];
  /** Training examples available before subsampling. */
  trainable: number;
  endSlot: number;
};

const DAY_S = 86_400;

function newestSlot(series: readonly SlotSeries[]): number {
  let newest = Number.NEGATIVE_INFINITY;
  for (const s of series)
    for (const slot of s.slots) newest = Math.max(newest, slot);
  return newest;
}

function toExamples(series: SlotSeries, strideSlots: number): TrainingSample[] {
  const n = series.slots.length;
  return buildTrainingSamples(
    series.key,
    {
      timestampsS: Float64Array.from(
        { length: n },
        (_, i) => (series.slots[i] ?? 0) * SLOT_SECONDS,
      ),
      cpuCores: Float64Array.from(
        { length: n },
        (_, i) => series.cpuCores[i] ?? Number.NaN,
      ),
      memBytes: Float64Array.from(
        { length: n },
        (_, i) => series.memBytes[i] ?? Number.NaN,
      ),
    },
    strideSlots,
  );
}

/**
 * An agent's (or the aggregator's central holdout's) examples from per-container slots: training
 * examples have targets ending in the `historyDays` before the holdout; validation examples have
 * targets ending inside the newest `holdoutHours`.
 */
export function buildLocalExamples(
  series: readonly SlotSeries[],
  options: LocalDataOptions,
): LocalExamples {
  const endSlot = options.endSlot ?? newestSlot(series) + 1;
  const endS = endSlot * SLOT_SECONDS;
  const cutS = endS - options.holdoutHours * 3600;
  const fromS = cutS - options.historyDays * DAY_S;
  const train: TrainingSample[] = [];
  const validation: TrainingSample[] = [];
  if (!Number.isFinite(endSlot))
    return { train, validation, trainable: 0, endSlot: 0 };
  for (const s of series) {
    if (s.slots.length === 0) continue;
    for (const example of toExamples(s, options.strideSlots)) {
      const targetEndS = example.nowS + DAY_S;
      if (targetEndS > cutS && targetEndS <= endS) validation.push(example);
      else if (targetEndS > fromS && targetEndS <= cutS) train.push(example);
    }
  }
  const trainable = train.length;
  const kept =
    train.length > options.maxTrainExamples
      ? shuffleInPlace(train, createRng(options.seed)).slice(
          0,
          options.maxTrainExamples,
        )
      : train;
  return { train: kept, validation, trainable, endSlot };
}
