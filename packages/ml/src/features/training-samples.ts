import type { UsageChunk } from "../recommender";
import {
  buildModelInput,
  buildTargets,
  HORIZON_SLOTS,
  INPUT_SLOTS,
} from "./model-input";
import { createSlotHistory, SLOT_SECONDS, slotOf } from "./slot-history";
import type { SlotHistory } from "./slot-history";

type UsageArrays = UsageChunk;

export type TrainingSample = {
  seriesId: string;
  nowS: number;
  features: Float32Array;
  /** [mem log ratio, cpu log ratio] */
  targets: [number, number];
};

/** Whole-series slot history (no eviction), for offline training and calibration. */
function toSlotHistory(usage: UsageArrays): SlotHistory | undefined {
  const n = usage.timestampsS.length;
  if (n === 0) return undefined;
  const first = slotOf(usage.timestampsS[0] ?? 0);
  const last = slotOf(usage.timestampsS[n - 1] ?? 0);
  if (!(last >= first))
    throw new RangeError("timestamps must be sorted ascending");
  const history = createSlotHistory({
    retentionSlots: last - first + 1,
    backfillSlots: 0,
  });
  for (let i = 0; i < n; i++)
    history.add(
      usage.timestampsS[i] ?? Number.NaN,
      usage.cpuCores[i] ?? Number.NaN,
      usage.memBytes[i] ?? Number.NaN,
    );
  return history;
}

/** Samples every `strideSlots` slots where both the input window and the next day are mostly present. */
export function buildTrainingSamples(
  seriesId: string,
  usage: UsageArrays,
  strideSlots: number,
): TrainingSample[] {
  if (!Number.isInteger(strideSlots) || strideSlots <= 0)
    throw new RangeError(
      `strideSlots must be a positive integer, got ${strideSlots}`,
    );
  const history = toSlotHistory(usage);
  const start = history?.startSlot();
  const end = history?.endSlot();
  if (!history || start === undefined || end === undefined) return [];
  const samples: TrainingSample[] = [];
  for (
    let now = start + INPUT_SLOTS;
    now + HORIZON_SLOTS <= end;
    now += strideSlots
  ) {
    const sample = sampleAt(history, now, seriesId);
    if (sample) samples.push(sample);
  }
  return samples;
}

/** The sample whose input window ends at slot `now`; undefined when input or next day is too sparse. */
function sampleAt(
  history: SlotHistory,
  now: number,
  seriesId: string,
): TrainingSample | undefined {
  const input = buildModelInput(history.view(now - INPUT_SLOTS, now));
  if (!input) return undefined;
  const targets = buildTargets(history.view(now, now + HORIZON_SLOTS), input);
  if (!targets) return undefined;
  return {
    seriesId,
    nowS: now * SLOT_SECONDS,
    features: input.features,
    targets,
  };
}
