import { pino } from "pino";
import { describe, expect, it } from "vitest";

import type { ContainerMeta, ContainerSample } from "../domain/types";
import { createAnomalyScoring } from "./anomaly-scoring";
import { createAgentMetrics } from "./metrics";
import { createOnnxScorer } from "./onnx-scorer";

const MIB = 1048576;
const STEP_MS = 300_000;
const START_MS = Date.UTC(2026, 10, 20);

function meta(name: string, memoryLimitBytes: number): ContainerMeta {
  return {
    namespace: "shop",
    podName: `${name}-0`,
    podUid: `uid-${name}`,
    containerName: name,
    containerId: name.padEnd(64, "0"),
    workloadKind: "Deployment",
    workloadName: name,
    cpuRequestMillicores: 500,
    cpuLimitMillicores: 0,
    memoryRequestBytes: 256 * MIB,
    memoryLimitBytes,
  };
}

type Shape = (step: number) => { cpu: number; memoryBytes: number };
const CONTAINERS: [ContainerMeta, Shape][] = [
  // Leaks 8 MiB every 5 minutes towards a 2 GiB limit.
  [
    meta("leaky", 2048 * MIB),
    (s) => ({ cpu: 0.2, memoryBytes: (300 + 8 * s) * MIB }),
  ],
  [
    meta("steady", 1024 * MIB),
    (s) => ({
      cpu: 0.2 + 0.02 * Math.sin(s),
      memoryBytes: (400 + 5 * Math.sin(s / 7)) * MIB,
    }),
  ],
];

function samplesAt(step: number): ContainerSample[] {
  return CONTAINERS.map(([m, shape]) => {
    const { cpu, memoryBytes } = shape(step);
    return {
      meta: m,
      timestampMs: START_MS + step * STEP_MS,
      cpuUsageCores: cpu,
      cpuThrottledPeriods: 0,
      cpuThrottledSeconds: 0,
      memoryWorkingSetBytes: memoryBytes,
      memoryRssBytes: memoryBytes,
      memoryLimitBytes: m.memoryLimitBytes,
      oomKillCount: 0,
    };
  });
}

function setup() {
  const metrics = createAgentMetrics();
  const scoring = createAnomalyScoring({
    scorer: createOnnxScorer({ runtime: "typescript" }),
    metrics,
    logger: pino({ level: "silent" }),
    maxBatch: 1,
    forgetAfterMs: 3_600_000,
  });
  return { scoring, metrics };
}

describe("createAnomalyScoring with the shipped model", () => {
  it("flags the leaking container once per kind, scores both with the model, and leaves the steady one alone", async () => {
    const { scoring, metrics } = setup();
    // 14 h of 5-minute samples: enough for the leak window (12 h) and the model (>= 6 h).
    for (let step = 0; step < 14 * 12; step++) scoring.observe(samplesAt(step));
    const pass = await scoring.scorePass();
    expect(pass).toMatchObject({ containers: 2, modelRows: 2 });
    const flags = scoring.takeFlags();
    // The model sees the ramp continue past the limit within 24 h: OOM risk as well.
    expect(flags.map((f) => [f.meta.containerName, f.kind])).toEqual([
      ["leaky", "leak"],
      ["leaky", "oom_risk"],
    ]);
    expect(flags[1]?.details.model_forecast_peak_bytes_p95).toBeGreaterThan(
      2048 * MIB,
    );
    // 412 MiB left at 8 MiB per 5 minutes: the limit is ~4.3 h away, under a day.
    expect(flags[0]).toMatchObject({
      severity: "critical",
      detectedAtMs: START_MS + (14 * 12 - 1) * STEP_MS,
    });
    expect(flags[0]?.details.slope_bytes_per_second).toBeCloseTo(
      (8 * MIB) / 300,
      -2,
    );
    expect(flags[0]?.timeToLimitSeconds).toBeCloseTo((412 / 8) * 300, -3);

    scoring.observe(samplesAt(14 * 12));
    await scoring.scorePass();
    expect(scoring.takeFlags()).toEqual([]);
    const rows = await metrics.registry.getSingleMetricAsString(
      "kubewise_agent_scoring_model_rows_total",
    );
    expect(rows).toMatch(/ 4$/m);
  });

  it("flags OOM risk when memory runs into the limit", async () => {
    const { scoring } = setup();
    const tight = meta("tight", 512 * MIB);
    for (let step = 0; step < 8 * 12; step++)
      scoring.observe([
        {
          ...samplesAt(step)[1]!,
          meta: tight,
          memoryWorkingSetBytes: (400 + step) * MIB,
          memoryLimitBytes: tight.memoryLimitBytes,
        },
      ]);
    await scoring.scorePass();
    const oom = scoring.takeFlags().find((f) => f.kind === "oom_risk");
    expect(oom?.details.limit_bytes).toBe(512 * MIB);
    expect(oom?.timeToLimitSeconds).toBeGreaterThanOrEqual(0);
  });

  it("scores nothing with the model before there is enough history", async () => {
    const { scoring } = setup();
    for (let step = 0; step < 12; step++) scoring.observe(samplesAt(step));
    expect(await scoring.scorePass()).toEqual({
      containers: 2,
      modelRows: 0,
      flags: 0,
    });
  });
});
