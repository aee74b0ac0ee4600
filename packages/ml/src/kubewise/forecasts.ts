import { buildModelInput, INPUT_SLOTS } from "../features/model-input";
import type { ModelInput } from "../features/model-input";
import type { SlotHistory } from "../features/slot-history";

/** Runs the forecaster on one input row ([SEQ_HOURS, FEATURE_COUNT]) and returns OUTPUT_SIZE values. */
export type ForecastFn = (features: Float32Array) => Float32Array;

export type DayForecast = { input: ModelInput; output: Float32Array };

/** Forecasts keyed by the slot they were made at; walk-forward days reuse each other's past forecasts. */
export function createForecastCache(
  history: SlotHistory,
  forecast: ForecastFn,
  maxEntries = 32,
): (nowSlot: number) => DayForecast | undefined {
  const cache = new Map<number, DayForecast | null>();
  return (nowSlot) => {
    const hit = cache.get(nowSlot);
    if (hit !== undefined) return hit ?? undefined;
    const input = buildModelInput(history.view(nowSlot - INPUT_SLOTS, nowSlot));
    const entry = input ? { input, output: forecast(input.features) } : null;
    cache.set(nowSlot, entry);
    if (cache.size > maxEntries) {
      const oldest = Math.min(...cache.keys());
      cache.delete(oldest);
    }
    return entry ?? undefined;
  };
}
