import { buildModelInput, INPUT_SLOTS } from "../features/model-input";
import type { ModelInput } from "../features/model-input";
import type { SlotHistory } from "../features/slot-history";

/** Runs the forecaster on one input row ([SEQ_HOURS, FEATURE_COUNT]) and returns OUTPUT_SIZE values. */
export type ForecastFn = (features: Float32Array) => Float32Array;

/** `output()` runs the model on first use: older days often need only the input's reference values. */
export type DayForecast = { input: ModelInput; output(): Float32Array };

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
    let output: Float32Array | undefined;
    const entry = input
      ? { input, output: () => (output ??= forecast(input.features)) }
      : null;
    cache.set(nowSlot, entry);
    if (cache.size > maxEntries) {
      const oldest = Math.min(...cache.keys());
      cache.delete(oldest);
    }
    return entry ?? undefined;
  };
}
