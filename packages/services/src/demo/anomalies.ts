import {
  insertAnomaly,
  type DbExecutor,
  type NewAnomalyRow,
} from "@kubewise/db";

import type { SeededContainer } from "./seed";
import { memorySlopeBytesPerSecond } from "./usage";

const DAY_STEPS = 288;

type SeedAnomaliesInput = {
  clusterId: string;
  seeded: SeededContainer[];
  now: Date;
};
type Finding = Omit<NewAnomalyRow, "clusterId" | "containerId">;

function leakFinding(
  { spec, rollups }: SeededContainer,
  now: Date,
): Finding | undefined {
  const last = rollups.at(-1);
  if (spec.shape !== "leak" || spec.memoryLimitBytes === null || !last)
    return undefined;
  const slope = memorySlopeBytesPerSecond(rollups, DAY_STEPS);
  const timeToLimitSeconds =
    slope > 0
      ? Math.round(
          (spec.memoryLimitBytes - last.memoryWorkingSetBytesMax) / slope,
        )
      : null;
  const critical =
    timeToLimitSeconds !== null && timeToLimitSeconds < 2 * 86_400;
  return {
    kind: "leak",
    severity: critical ? "critical" : "warning",
    detectedAt: now,
    timeToLimitSeconds,
    details: {
      slopeBytesPerSecond: Math.round(slope),
      workingSetBytes: last.memoryWorkingSetBytesMax,
      limitBytes: spec.memoryLimitBytes,
    },
  };
}

function spikeFinding({ spec, rollups }: SeededContainer): Finding | undefined {
  if (spec.shape !== "spiky" || rollups.length === 0) return undefined;
  const peak = rollups.reduce((a, b) =>
    b.cpuUsageCoresMax > a.cpuUsageCoresMax ? b : a,
  );
  const sorted = rollups.map((r) => r.cpuUsageCoresAvg).sort((a, b) => a - b);
  const medianCores = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return {
    kind: "cpu_spike",
    severity: "info",
    detectedAt: peak.bucket,
    timeToLimitSeconds: null,
    details: { peakCores: peak.cpuUsageCoresMax, medianCores },
  };
}

function peakRatioOfLimit(s: SeededContainer): number {
  const peak = Math.max(...s.rollups.map((r) => r.memoryWorkingSetBytesMax));
  return s.spec.memoryLimitBytes ? peak / s.spec.memoryLimitBytes : 0;
}

/** Anomalies derived from the seeded series: leaks with time-to-limit, CPU spikes, and the container closest to OOM. */
export async function seedAnomalies(
  db: DbExecutor,
  { clusterId, seeded, now }: SeedAnomaliesInput,
): Promise<number> {
  const findings: { containerId: string; finding: Finding }[] = [];
  for (const s of seeded) {
    for (const finding of [leakFinding(s, now), spikeFinding(s)]) {
      if (finding) findings.push({ containerId: s.container.id, finding });
    }
  }
  const nearest = seeded
    .filter((s) => s.spec.shape !== "leak")
    .sort((a, b) => peakRatioOfLimit(b) - peakRatioOfLimit(a))[0];
  if (nearest && peakRatioOfLimit(nearest) > 0) {
    findings.push({
      containerId: nearest.container.id,
      finding: {
        kind: "oom_risk",
        severity: "warning",
        detectedAt: now,
        timeToLimitSeconds: null,
        details: {
          peakRatioOfLimit: Number(peakRatioOfLimit(nearest).toFixed(3)),
        },
      },
    });
  }
  for (const { containerId, finding } of findings)
    await insertAnomaly(db, { ...finding, clusterId, containerId });
  return findings.length;
}
