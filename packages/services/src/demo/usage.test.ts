import { describe, expect, it } from "vitest";

import { usageHistoryColumnsOf } from "@kubewise/db";

import {
  findCpuSpike,
  findLeak,
  findOomRisk,
  toSeries,
} from "../anomalies/detectors";
import { DEMO_WORKLOADS, type DemoContainer } from "./catalog";
import { createSeededRng } from "./rng";
import { generateDemoRollups, type DemoRollup } from "./usage";

const HOUR_MS = 3_600_000;
// Monday 2026-11-23 00:00 UTC; the sweep covers every hour of that week (weekend and midnight included).
const WEEK_START_MS = Date.UTC(2026, 10, 23);
// The anomaly loop reads the last 3 days (DetectAnomaliesInputSchema's default).
const DETECTION_DAYS = 3;

function firstContainerShaped(shape: DemoContainer["shape"]): DemoContainer {
  for (const workload of DEMO_WORKLOADS)
    for (const container of workload.containers)
      if (container.shape === shape) return container;
  throw new Error(`the demo catalog has no ${shape} container`);
}

const DETECTORS = {
  cpu_spike: (container: DemoContainer, rows: DemoRollup[], end: Date) =>
    findCpuSpike(usageHistoryColumnsOf(rows), end),
  leak: (container: DemoContainer, rows: DemoRollup[], end: Date) =>
    findLeak(
      toSeries(usageHistoryColumnsOf(rows), end),
      container.memoryLimitBytes,
    ),
  oom_risk: (container: DemoContainer, rows: DemoRollup[], end: Date) =>
    findOomRisk(
      toSeries(usageHistoryColumnsOf(rows), end),
      container.memoryLimitBytes,
    ),
};

function isFoundAt(
  kind: keyof typeof DETECTORS,
  container: DemoContainer,
  end: Date,
): boolean {
  const rows = generateDemoRollups(container, {
    end,
    days: DETECTION_DAYS,
    rng: createSeededRng(20261127),
  });
  return DETECTORS[kind](container, rows, end)?.kind === kind;
}

describe("generateDemoRollups", () => {
  const instants = Array.from(
    { length: 7 * 24 },
    (_, hour) => new Date(WEEK_START_MS + hour * HOUR_MS + 58 * 60_000),
  );

  it.each([
    ["spiky", "cpu_spike"],
    ["leak", "leak"],
    ["near-oom", "oom_risk"],
  ] as const)(
    "gives the %s container an open %s at every hour of the week",
    (shape, kind) => {
      const container = firstContainerShaped(shape);
      const missing = instants.filter(
        (end) => !isFoundAt(kind, container, end),
      );
      expect(missing.map((end) => end.toISOString())).toEqual([]);
    },
    // 168 runs of the real detectors over 3 days of minute rollups: a few seconds alone, several
    // times that on a loaded CI machine. A hang guard, not a speed target (docs/STYLE.md).
    120_000,
  );
});

describe("generateDemoRollups after its anchor (a live demo)", () => {
  const anchor = new Date(WEEK_START_MS + 10 * HOUR_MS + 7 * 60_000);
  const rng = createSeededRng(20261127);
  // The seed's rollups up to the anchor, then the live ones the demo writes after it.
  const continued = (container: DemoContainer, end: Date) => [
    ...generateDemoRollups(container, {
      end: anchor,
      days: DETECTION_DAYS,
      rng,
    }),
    ...generateDemoRollups(container, { from: anchor, end, rng, anchor }),
  ];

  it.each([2, 6, 30, 49])(
    "keeps the leak and the OOM risk %i h later, and the spike has passed",
    (hours) => {
      const end = new Date(anchor.getTime() + hours * HOUR_MS);
      const leak = firstContainerShaped("leak");
      const nearOom = firstContainerShaped("near-oom");
      const spiky = firstContainerShaped("spiky");
      expect(DETECTORS.leak(leak, continued(leak, end), end)?.kind).toBe(
        "leak",
      );
      expect(
        DETECTORS.oom_risk(nearOom, continued(nearOom, end), end)?.kind,
      ).toBe("oom_risk");
      expect(
        DETECTORS.cpu_spike(spiky, continued(spiky, end), end),
      ).toBeUndefined();
    },
  );

  it("writes the buckets from `from` up to the one before `end`, 5 minutes apart", () => {
    const rows = generateDemoRollups(firstContainerShaped("flat"), {
      from: anchor,
      end: new Date(anchor.getTime() + HOUR_MS),
      rng,
      anchor,
    });
    const first = Math.floor(anchor.getTime() / 300_000) * 300_000;
    expect(rows.map((r) => r.bucket.getTime() - first)).toEqual(
      Array.from({ length: 12 }, (_, i) => i * 300_000),
    );
  });
});
