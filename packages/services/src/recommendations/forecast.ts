import type { UsageHistoryRow } from "@kubewise/db";
import {
  buildModelInput,
  createSlotHistory,
  loadEmbeddedForecaster,
  QUANTILE_LEVELS,
  runLstmForward,
  SEQ_HOURS,
  SLOT_SECONDS,
  targetQuantiles,
} from "@kubewise/ml";

/** The shipped LSTM looks at the last 48 h of 5-minute slots and predicts the next 24 h. */
export const FORECAST_INPUT_SECONDS = SEQ_HOURS * 3600;
const FORECAST_HORIZON_SECONDS = 86_400;
const INPUT_SLOTS = FORECAST_INPUT_SECONDS / SLOT_SECONDS;
// Output rows are [target][level]; the model's targets are memory (0) and CPU (1).
const MEMORY_TARGET = 0;
const CPU_TARGET = 1;
const P50 = QUANTILE_LEVELS.indexOf(0.5);
const P90 = QUANTILE_LEVELS.indexOf(0.9);

export type UsageForecast =
  | {
      kind: "forecast";
      model: string;
      madeAt: Date;
      horizonSeconds: number;
      /** Peak memory over the next 24 h: median and 90th-percentile prediction. */
      memoryPeakBytes: { p50: number; p90: number };
      /** p95 of 5-minute CPU over the next 24 h: median and 90th-percentile prediction. */
      cpuP95Millicores: { p50: number; p90: number };
    }
  | { kind: "unavailable"; reason: string };

/**
 * Runs the shipped Kubewise forecaster (its plain TypeScript forward pass, the same graph as the
 * ONNX file) over the 5-minute rollups of the 48 h before `now`.
 */
export function forecastUsage({
  history,
  now,
}: {
  history: readonly UsageHistoryRow[];
  now: Date;
}): UsageForecast {
  const nowSlot = Math.floor(now.getTime() / 1000 / SLOT_SECONDS);
  const slots = createSlotHistory({ retentionSlots: INPUT_SLOTS });
  for (const row of history) {
    slots.add(
      row.bucket.getTime() / 1000,
      row.cpuUsageCoresAvg,
      row.memoryWorkingSetBytesMax,
    );
  }
  const input = buildModelInput(slots.view(nowSlot - INPUT_SLOTS, nowSlot));
  if (!input)
    return {
      kind: "unavailable",
      reason: `the ${SEQ_HOURS} h before now hold no memory reading or under 6 h of CPU readings`,
    };
  const model = loadEmbeddedForecaster();
  const output = runLstmForward(model.weights, input.features, {
    batch: 1,
    seqLen: SEQ_HOURS,
  });
  // Targets are log ratios to the input window's reference values.
  const memory = targetQuantiles(output, MEMORY_TARGET);
  const cpu = targetQuantiles(output, CPU_TARGET);
  const memoryAt = (k: number) =>
    Math.round(Math.exp(memory[k] ?? Number.NaN) * input.memRefBytes);
  const cpuAt = (k: number) =>
    Math.exp(cpu[k] ?? Number.NaN) * input.cpuRefCores * 1000;
  return {
    kind: "forecast",
    model: model.name,
    madeAt: new Date(nowSlot * SLOT_SECONDS * 1000),
    horizonSeconds: FORECAST_HORIZON_SECONDS,
    memoryPeakBytes: { p50: memoryAt(P50), p90: memoryAt(P90) },
    cpuP95Millicores: { p50: cpuAt(P50), p90: cpuAt(P90) },
  };
}
