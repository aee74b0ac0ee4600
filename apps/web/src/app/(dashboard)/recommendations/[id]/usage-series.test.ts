import { describe, expect, it } from "vitest";

import { forecastNowMs, usagePoints } from "./usage-series";

const NOW = new Date("2026-11-20T12:00:00Z");
const usage = {
  windowSeconds: 3600,
  stepSeconds: 1800,
  points: [0, 1].map((i) => ({
    bucket: new Date(NOW.getTime() - (2 - i) * 1_800_000),
    cpuP50Cores: 0.1,
    cpuP95Cores: 0.2,
    cpuMaxCores: 0.3,
    memoryP50Bytes: 100,
    memoryP95Bytes: 200,
    memoryMaxBytes: 300,
  })),
};
const forecast = {
  kind: "forecast" as const,
  model: "kubewise-forecaster-v1",
  madeAt: NOW,
  horizonSeconds: 86_400,
  memoryPeakBytes: { p50: 400, p90: 500 },
  cpuP95Millicores: { p50: 250, p90: 320 },
};

describe("usagePoints", () => {
  it.each([
    { resource: "cpu" as const, past: [100, 200, 300], band: [250, 320] },
    { resource: "memory" as const, past: [100, 200, 300], band: [400, 500] },
  ])(
    "draws $resource history, then the band hourly from now to +24 h",
    ({ resource, past, band }) => {
      const points = usagePoints({ usage, forecast }, resource);
      expect(points).toHaveLength(2 + 25);
      expect([points[0]?.p50, points[0]?.p95, points[0]?.max]).toEqual(past);
      expect(points[0]?.forecastBand).toBeUndefined();
      const future = points.slice(2);
      expect(future[0]?.tsMs).toBe(NOW.getTime());
      expect(future.at(-1)?.tsMs).toBe(NOW.getTime() + 86_400_000);
      expect(new Set(future.map((p) => p.forecastBand?.join()))).toEqual(
        new Set([band.join()]),
      );
      expect(future.every((p) => p.p95 === null)).toBe(true);
    },
  );

  it("draws only history, and no now line, without a forecast", () => {
    const detail = {
      usage,
      forecast: { kind: "unavailable" as const, reason: "no rollups" },
    };
    expect(usagePoints(detail, "cpu")).toHaveLength(2);
    expect(forecastNowMs(detail)).toBeNull();
    expect(forecastNowMs({ usage, forecast })).toBe(NOW.getTime());
  });
});
