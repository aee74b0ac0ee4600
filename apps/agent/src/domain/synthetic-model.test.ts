import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { stepsBetween } from "./accelerated-clock";
import { createSyntheticFleet, syntheticValuesAt } from "./synthetic-model";

const STEP = 60_000;
const fleet = createSyntheticFleet({
  seed: 42,
  containers: 10,
  namespace: "demo",
  nodeName: "n1",
});
const byProfile = (p: string) => fleet.find((c) => c.profile === p)!;
const week = stepsBetween({
  fromMs: Date.UTC(2026, 10, 2) - STEP,
  toMs: Date.UTC(2026, 10, 9),
  stepMs: STEP,
  limit: 20_000,
});
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("synthetic model", () => {
  it("is deterministic for a seed", () => {
    const again = createSyntheticFleet({
      seed: 42,
      containers: 10,
      namespace: "demo",
      nodeName: "n1",
    });
    expect(again).toEqual(fleet);
    expect(
      syntheticValuesAt(fleet[0]!, { seed: 42, tMs: 1e12, stepMs: STEP }),
    ).toEqual(
      syntheticValuesAt(again[0]!, { seed: 42, tMs: 1e12, stepMs: STEP }),
    );
  });

  it("gives web workloads a weekly cycle (weekend lighter) and a daily cycle", () => {
    const web = byProfile("web");
    const cpu = (t: number) =>
      syntheticValuesAt(web, { seed: 42, tMs: t, stepMs: STEP }).cpuUsageCores;
    const weekend = week
      .filter((t) => [0, 6].includes(new Date(t).getUTCDay()))
      .map(cpu);
    const weekdays = week
      .filter((t) => ![0, 6].includes(new Date(t).getUTCDay()))
      .map(cpu);
    expect(mean(weekend)).toBeLessThan(mean(weekdays) * 0.7);
    const hourly = week.slice(0, 1440).map(cpu);
    expect(Math.max(...hourly)).toBeGreaterThan(2 * Math.min(...hourly));
  });

  it("lets leaking containers grow to the limit and get OOM-killed", () => {
    const leak = byProfile("leak");
    const values = week.map((t) =>
      syntheticValuesAt(leak, { seed: 42, tMs: t, stepMs: STEP }),
    );
    expect(
      values.reduce((n, v) => n + v.oomKillCount, 0),
    ).toBeGreaterThanOrEqual(3);
    expect(
      Math.max(...values.map((v) => v.memoryWorkingSetBytes)),
    ).toBeGreaterThan(leak.meta.memoryLimitBytes * 0.99);
  });

  it("has CPU spikes and idle batch phases", () => {
    const spiky = week.map(
      (t) =>
        syntheticValuesAt(byProfile("spiky"), {
          seed: 42,
          tMs: t,
          stepMs: STEP,
        }).cpuUsageCores,
    );
    expect(Math.max(...spiky)).toBeGreaterThan(3 * mean(spiky));
    const batch = week.map(
      (t) =>
        syntheticValuesAt(byProfile("batch"), {
          seed: 42,
          tMs: t,
          stepMs: STEP,
        }).cpuUsageCores,
    );
    expect(batch.filter((c) => c < 0.01).length / batch.length).toBeGreaterThan(
      0.5,
    );
  });

  it("only produces finite, non-negative values within limits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 4e12 }),
        (i, t) => {
          const c = fleet[i]!;
          const v = syntheticValuesAt(c, { seed: 42, tMs: t, stepMs: STEP });
          for (const x of Object.values(v))
            expect(Number.isFinite(x) && x >= 0).toBe(true);
          expect(v.cpuPeriods).toBeGreaterThanOrEqual(v.cpuThrottledPeriods);
          expect(v.memoryWorkingSetBytes).toBeLessThanOrEqual(
            c.meta.memoryLimitBytes,
          );
        },
      ),
    );
  });
});
