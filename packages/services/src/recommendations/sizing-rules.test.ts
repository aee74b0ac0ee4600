import { describe, expect, it } from "vitest";

import type { Recommendation } from "@kubewise/ml";

import { applySizingRules, type SizingSignals } from "./sizing-rules";

const MIB = 1024 * 1024;
const AT = new Date("2026-11-20T10:00:00Z");

function rec(memLimitMiB: number, cpuCores = 0.5): Recommendation {
  const values = {
    cpuRequestCores: cpuCores,
    cpuLimitCores: null,
    memRequestBytes: (memLimitMiB / 2) * MIB,
    memLimitBytes: memLimitMiB * MIB,
  };
  return {
    base: values,
    windows: [
      {
        window: { name: "peak", days: "all", startHourUtc: 9, endHourUtc: 17 },
        values,
      },
    ],
    confidence: 0.97,
    reasons: ["from the statistics"],
  };
}

function signals(o: Partial<SizingSignals> = {}): SizingSignals {
  return {
    current: { memRequestBytes: 512 * MIB, memLimitBytes: 1024 * MIB },
    anomalies: [],
    oomKills: [],
    workloadKind: "Deployment",
    burst: null,
    ...o,
  };
}

const anomaly = (
  kind: SizingSignals["anomalies"][number]["kind"],
  details: Record<string, unknown> = {},
) => ({ kind, severity: "critical", detectedAt: AT, details });

describe("applySizingRules", () => {
  it("changes nothing without signals", () => {
    const r = rec(600);
    expect(applySizingRules(r, signals())).toEqual(r);
  });

  it("an open leak blocks any memory decrease and says so", () => {
    const out = applySizingRules(
      rec(600),
      signals({ anomalies: [anomaly("leak")] }),
    );
    expect(out.base.memLimitBytes).toBe(1024 * MIB);
    expect(out.base.memRequestBytes).toBe(512 * MIB);
    expect(out.windows[0]?.values.memLimitBytes).toBe(1024 * MIB);
    expect(out.reasons).toEqual([
      "from the statistics",
      "memory kept at 1 GiB (the statistics alone say 600 MiB): an open critical memory-leak anomaly (since 2026-11-20 10:00 UTC) blocks any memory decrease",
    ]);
    // An increase goes through.
    expect(
      applySizingRules(rec(2048), signals({ anomalies: [anomaly("leak")] }))
        .base.memLimitBytes,
    ).toBe(2048 * MIB);
  });

  it("an OOM-risk anomaly raises the limit above its forecast peak", () => {
    const out = applySizingRules(
      rec(1100),
      signals({
        anomalies: [anomaly("oom_risk", { forecastPeakBytes: 1000 * MIB })],
      }),
    );
    // max(1000 MiB x 1.2, +100 MiB) = 1200 MiB
    expect(out.base.memLimitBytes).toBe(1200 * MIB);
    expect(out.reasons?.at(-1)).toBe(
      "memory limit raised to 1.2 GiB (from 1.1 GiB): an OOM-risk anomaly forecasts a peak of 1,000 MiB",
    );
  });

  it("recent OOM kills bump request and limit like VPA", () => {
    const out = applySizingRules(
      rec(600),
      signals({
        oomKills: [
          { at: AT, memoryBytes: 300 * MIB },
          { at: AT, memoryBytes: 700 * MIB },
        ],
      }),
    );
    // max(700 x 1.2 = 840, 700 + 100) = 840 MiB
    expect(out.base.memRequestBytes).toBe(840 * MIB);
    expect(out.base.memLimitBytes).toBe(840 * MIB);
    expect(out.reasons?.at(-1)).toMatch(
      /^2 OOM kills in the last 7 days at up to 700 MiB: memory at least 840 MiB/,
    );
  });

  it("a batch workload's CPU request comes from its burst profile", () => {
    const burst = { cores: 2.2, busyShare: 0.05, peakCores: 2.4 };
    const out = applySizingRules(
      rec(600, 0.004),
      signals({ workloadKind: "CronJob", burst }),
    );
    expect(out.base.cpuRequestCores).toBe(2.2);
    expect(out.windows[0]?.values.cpuRequestCores).toBe(2.2);
    expect(out.reasons?.at(-1)).toBe(
      "CronJob: CPU request 2.2 vCPU from its burst profile (p90 while running, 5 % of the time; peak 2.4 vCPU), not 0.004 vCPU averaged over idle time",
    );
    // A Deployment keeps its statistical request.
    expect(
      applySizingRules(rec(600, 0.004), signals({ burst })).base
        .cpuRequestCores,
    ).toBe(0.004);
  });
});
