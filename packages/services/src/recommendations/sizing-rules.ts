// Sizing that uses what Kubewise itself knows about a container beyond its usage statistics: an
// open memory-leak anomaly blocks any memory decrease, an OOM-risk anomaly raises memory above the
// forecast peak, recent OOM kills bump memory the way VPA does, and a batch workload's CPU request
// comes from its burst profile. Each rule that fires says so in the recommendation's reasons.
import {
  bumpMemoryAfterOom,
  formatBytes,
  formatCpuCores,
} from "@kubewise/core";
import type { AnomalyKind, RecommendationEvidence } from "@kubewise/db";
import type {
  BurstProfile,
  Recommendation,
  ResourceValues,
} from "@kubewise/ml";

/** Kinds whose pods run to completion, then idle until the next run. */
export const BATCH_WORKLOAD_KINDS: readonly string[] = ["Job", "CronJob"];

/** How far back an OOM kill still bumps memory (VPA keeps OOM events for a similar span). */
export const RECENT_OOM_SECONDS = 7 * 86_400;

export type SizingSignals = {
  /** What the container runs with now (null where unset). */
  current: { memRequestBytes: number | null; memLimitBytes: number | null };
  /** Its open anomalies. */
  anomalies: readonly {
    kind: AnomalyKind;
    severity: string;
    detectedAt: Date;
    details: Record<string, unknown>;
  }[];
  /** OOM kills within RECENT_OOM_SECONDS, with the memory in use around each. */
  oomKills: readonly { at: Date; memoryBytes: number }[];
  workloadKind: string;
  /** The CPU burst profile of its history (for batch kinds). */
  burst: BurstProfile | null;
};

const mib = (bytes: number): string => formatBytes(Math.ceil(bytes));
const cores = (c: number): string => formatCpuCores(Math.ceil(c * 1000));

type MemoryFloor = { limitBytes: number; requestBytes: number };

/** Memory never below `floor` (base and every window); a limit stays >= its request. */
function raiseMemory(
  values: ResourceValues,
  floor: Partial<MemoryFloor>,
): ResourceValues {
  const memRequestBytes = Math.max(
    values.memRequestBytes,
    floor.requestBytes ?? 0,
  );
  const limit = values.memLimitBytes;
  return {
    ...values,
    memRequestBytes,
    memLimitBytes:
      limit === null
        ? null
        : Math.max(limit, floor.limitBytes ?? 0, memRequestBytes),
  };
}

function mapValues(
  rec: Recommendation,
  f: (v: ResourceValues) => ResourceValues,
): Recommendation {
  return {
    ...rec,
    base: f(rec.base),
    windows: rec.windows.map((w) => ({ ...w, values: f(w.values) })),
  };
}

type Rule = (
  rec: Recommendation,
  s: SizingSignals,
) => { rec: Recommendation; reason: string } | null;

const effectiveLimit = (v: ResourceValues): number =>
  v.memLimitBytes ?? v.memRequestBytes;

/** An open leak: no memory decrease from what runs now while it is open. */
const leakRule: Rule = (rec, s) => {
  const leak = s.anomalies.find((a) => a.kind === "leak");
  if (!leak) return null;
  const floor = {
    requestBytes: s.current.memRequestBytes ?? 0,
    limitBytes: s.current.memLimitBytes ?? 0,
  };
  const next = mapValues(rec, (v) => raiseMemory(v, floor));
  const since = leak.detectedAt.toISOString().slice(0, 16).replace("T", " ");
  const kept = effectiveLimit(next.base) > effectiveLimit(rec.base);
  return {
    rec: next,
    reason: kept
      ? `memory kept at ${mib(effectiveLimit(next.base))} (the statistics alone say ${mib(effectiveLimit(rec.base))}): an open ${leak.severity} memory-leak anomaly (since ${since} UTC) blocks any memory decrease`
      : `an open ${leak.severity} memory-leak anomaly (since ${since} UTC) blocks any memory decrease; none is recommended`,
  };
};

/** An open OOM risk: the limit clears the forecast peak by VPA's OOM margin, and is never lowered. */
const oomRiskRule: Rule = (rec, s) => {
  const risk = s.anomalies.find((a) => a.kind === "oom_risk");
  if (!risk) return null;
  const forecast = risk.details.forecastPeakBytes;
  const peak = typeof forecast === "number" && forecast > 0 ? forecast : 0;
  const limitBytes = Math.max(
    s.current.memLimitBytes ?? 0,
    peak > 0 ? bumpMemoryAfterOom(peak) : 0,
  );
  const next = mapValues(rec, (v) => raiseMemory(v, { limitBytes }));
  const raised = effectiveLimit(next.base) > effectiveLimit(rec.base);
  const why =
    peak > 0
      ? `an OOM-risk anomaly forecasts a peak of ${mib(peak)}`
      : "an OOM-risk anomaly is open";
  return {
    rec: next,
    reason: raised
      ? `memory limit raised to ${mib(effectiveLimit(next.base))} (from ${mib(effectiveLimit(rec.base))}): ${why}`
      : `${why}; the recommended limit ${mib(effectiveLimit(rec.base))} already clears it`,
  };
};

/** Recent OOM kills: memory at least max(x1.2, +100 MiB) of the memory in use at the kill (VPA). */
const oomKillRule: Rule = (rec, s) => {
  if (s.oomKills.length === 0) return null;
  const atKill = Math.max(...s.oomKills.map((k) => k.memoryBytes));
  const floor = bumpMemoryAfterOom(atKill);
  const next = mapValues(rec, (v) =>
    raiseMemory(v, { requestBytes: floor, limitBytes: floor }),
  );
  const n = s.oomKills.length;
  return {
    rec: next,
    reason: `${n} OOM kill${n === 1 ? "" : "s"} in the last 7 days at up to ${mib(atKill)}: memory at least ${mib(floor)} (VPA's OOM bump, x1.2 or +100 MiB)`,
  };
};

/** A batch workload: its CPU request covers a run (burst profile), not the idle time between runs. */
const batchRule: Rule = (rec, s) => {
  if (!BATCH_WORKLOAD_KINDS.includes(s.workloadKind) || s.burst === null)
    return null;
  const burst = s.burst;
  const raise = (v: ResourceValues): ResourceValues => ({
    ...v,
    cpuRequestCores: Math.max(v.cpuRequestCores, burst.cores),
    cpuLimitCores:
      v.cpuLimitCores === null ? null : Math.max(v.cpuLimitCores, burst.cores),
  });
  const next = mapValues(rec, raise);
  const busy = `${Math.round(burst.busyShare * 100)} % of the time`;
  return {
    rec: next,
    reason:
      next.base.cpuRequestCores > rec.base.cpuRequestCores
        ? `${s.workloadKind}: CPU request ${cores(next.base.cpuRequestCores)} from its burst profile (p90 while running, ${busy}; peak ${cores(burst.peakCores)}), not ${cores(rec.base.cpuRequestCores)} averaged over idle time`
        : `${s.workloadKind}: the CPU request already covers its burst profile (p90 while running ${cores(burst.cores)}, ${busy})`,
  };
};

const RULES: readonly Rule[] = [leakRule, oomRiskRule, oomKillRule, batchRule];

/** The recommendation after the sizing rules, with a reason for every rule that fired. */
export function applySizingRules(
  rec: Recommendation,
  signals: SizingSignals,
): Recommendation {
  let out = rec;
  const reasons = [...(rec.reasons ?? [])];
  for (const rule of RULES) {
    const fired = rule(out, signals);
    if (fired === null) continue;
    out = fired.rec;
    reasons.push(fired.reason);
  }
  return { ...out, reasons };
}

/** The signals as evidence for the reviewer: what the rules considered, whether or not they fired. */
export function signalsEvidence(s: SizingSignals): RecommendationEvidence {
  return {
    openAnomalies: s.anomalies.map(
      (a) => `${a.kind} (${a.severity}, since ${a.detectedAt.toISOString()})`,
    ),
    oomKills7d: s.oomKills.length,
    oomKillMaxMemoryBytes:
      s.oomKills.length === 0
        ? null
        : Math.max(...s.oomKills.map((k) => k.memoryBytes)),
    workloadKind: s.workloadKind,
    batchBurstCores: s.burst === null ? null : s.burst.cores,
    batchBusyShare: s.burst === null ? null : s.burst.busyShare,
  };
}
