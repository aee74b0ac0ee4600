import type { UsagePoint } from "~/components/charts";
import type { RouterOutputs } from "~/trpc/types";

export type Detail = RouterOutputs["recommendation"]["get"];
/** What the chart series need from the detail. */
type SeriesInput = Pick<Detail, "usage" | "forecast">;

const FORECAST_STEP_MS = 3_600_000;

/** The forecaster's next-24 h [p50, p90] of the chart's quantity (memory peak or CPU p95). */
function forecastBand(
  detail: SeriesInput,
  resource: "cpu" | "memory",
): [number, number] | null {
  const f = detail.forecast;
  if (f.kind !== "forecast") return null;
  const q = resource === "cpu" ? f.cpuP95Millicores : f.memoryPeakBytes;
  return [q.p50, q.p90];
}

export function usagePoints(
  detail: SeriesInput,
  resource: "cpu" | "memory",
): UsagePoint[] {
  const past = detail.usage.points.map((point) =>
    resource === "cpu"
      ? {
          tsMs: point.bucket.getTime(),
          p50: point.cpuP50Cores * 1000,
          p95: point.cpuP95Cores * 1000,
          max: point.cpuMaxCores * 1000,
        }
      : {
          tsMs: point.bucket.getTime(),
          p50: point.memoryP50Bytes,
          p95: point.memoryP95Bytes,
          max: point.memoryMaxBytes,
        },
  );
  const band = forecastBand(detail, resource);
  const f = detail.forecast;
  if (!band || f.kind !== "forecast") return past;
  const fromMs = f.madeAt.getTime();
  const steps = Math.round((f.horizonSeconds * 1000) / FORECAST_STEP_MS);
  const future = Array.from({ length: steps + 1 }, (_, i) => ({
    tsMs: fromMs + i * FORECAST_STEP_MS,
    p50: null,
    p95: null,
    max: null,
    forecastBand: band,
  }));
  return [...past, ...future];
}

export function forecastNowMs(detail: SeriesInput): number | null {
  return detail.forecast.kind === "forecast"
    ? detail.forecast.madeAt.getTime()
    : null;
}
