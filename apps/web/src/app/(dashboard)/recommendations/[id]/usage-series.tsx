import { formatBytes, formatCpuCores } from "@kubewise/core";

import type { UsagePoint } from "~/components/charts";
import type { RouterOutputs } from "~/trpc/types";

export type Detail = RouterOutputs["recommendation"]["get"];

const FORECAST_STEP_MS = 3_600_000;

/** The forecaster's next-24 h [p50, p90] of the chart's quantity (memory peak or CPU p95). */
function forecastBand(
  detail: Detail,
  resource: "cpu" | "memory",
): [number, number] | null {
  const f = detail.forecast;
  if (f.kind !== "forecast") return null;
  const q = resource === "cpu" ? f.cpuP95Millicores : f.memoryPeakBytes;
  return [q.p50, q.p90];
}

export function usagePoints(
  detail: Detail,
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

export function ForecastNote({ detail }: { detail: Detail }) {
  const f = detail.forecast;
  if (f.kind !== "forecast")
    return (
      <p className="state" data-testid="forecast-summary">
        No forecast: {f.reason}.
      </p>
    );
  return (
    <p
      style={{ color: "var(--muted)", fontSize: 13 }}
      data-testid="forecast-summary"
    >
      Shaded band after &ldquo;now&rdquo;: {f.model} forecast for the next 24 h
      (p50 to p90) of peak memory ({formatBytes(f.memoryPeakBytes.p50)} –{" "}
      {formatBytes(f.memoryPeakBytes.p90)}) and of the p95 of 5-minute CPU (
      {formatCpuCores(f.cpuP95Millicores.p50)} –{" "}
      {formatCpuCores(f.cpuP95Millicores.p90)}). Dashed lines: current request
      and recommended request.
    </p>
  );
}

export function forecastNowMs(detail: Detail): number | null {
  return detail.forecast.kind === "forecast"
    ? detail.forecast.madeAt.getTime()
    : null;
}
