import { formatBytes, formatCpuCores } from "@kubewise/core";

import type { Detail } from "./usage-series";

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
