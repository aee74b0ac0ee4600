import { describe, expect, it } from "vitest";

import { buildUsageSeriesQuery } from "./usage-series";

const from = new Date("2026-01-01T00:00:00Z");
const to = new Date("2026-01-02T00:00:00Z");
const containerId = "3f2c9a1e-0000-4000-8000-000000000001";

describe("buildUsageSeriesQuery", () => {
  it.each([
    { stepSeconds: 300, table: "metric_rollups_5m" },
    { stepSeconds: 3600, table: "metric_rollups_5m" },
    { stepSeconds: 60, table: "metric_samples" },
    { stepSeconds: 450, table: "metric_samples" },
  ])("reads $table for a $stepSeconds s step", ({ stepSeconds, table }) => {
    const { text, values } = buildUsageSeriesQuery({
      containerId,
      from,
      to,
      stepSeconds,
    });
    expect(text).toContain(`from ${table}`);
    expect(values).toEqual([containerId, from, to, stepSeconds]);
  });

  it.each([
    {
      name: "zero step",
      query: { from, to, stepSeconds: 0 },
      error: /positive integer/,
    },
    {
      name: "fractional step",
      query: { from, to, stepSeconds: 1.5 },
      error: /positive integer/,
    },
    {
      name: "reversed range",
      query: { from: to, to: from, stepSeconds: 300 },
      error: /is not before/,
    },
    {
      name: "invalid date",
      query: { from: new Date("x"), to, stepSeconds: 300 },
      error: /invalid date/,
    },
    {
      name: "too many points",
      query: { from, to, stepSeconds: 1 },
      error: /86400 points/,
    },
  ])("rejects $name with a clear ValidationError", ({ query, error }) => {
    expect(() => buildUsageSeriesQuery({ containerId, ...query })).toThrow(
      error,
    );
  });
});
