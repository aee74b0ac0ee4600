// What Kubewise knows about a container beyond its usage statistics, read for the sizing rules.
import type { ContainerWithWorkload, UsageHistoryColumns } from "@kubewise/db";
import { burstProfile } from "@kubewise/ml";

import {
  BATCH_WORKLOAD_KINDS,
  RECENT_OOM_SECONDS,
  type SizingSignals,
} from "./sizing-rules";

/** The signals of one container; `anomalies` are its open ones (read with its chunk of the pass). */
export function gatherSizingSignals(input: {
  target: ContainerWithWorkload;
  history: UsageHistoryColumns;
  anomalies: SizingSignals["anomalies"];
  now: Date;
}): SizingSignals {
  const { target, history, now } = input;
  const { container, workload } = target;
  const since = now.getTime() - RECENT_OOM_SECONDS * 1000;
  const batch = BATCH_WORKLOAD_KINDS.includes(workload.kind);
  return {
    current: {
      memRequestBytes: container.memoryRequestBytes,
      memLimitBytes: container.memoryLimitBytes,
    },
    anomalies: input.anomalies,
    oomKills: recentOomKills(history, since),
    workloadKind: workload.kind,
    burst: batch
      ? burstProfile(history.cpuUsageCoresAvg.slice(0, history.length))
      : null,
  };
}

function recentOomKills(
  history: UsageHistoryColumns,
  sinceMs: number,
): { at: Date; memoryBytes: number }[] {
  const kills: { at: Date; memoryBytes: number }[] = [];
  for (let i = 0; i < history.length; i++) {
    const atMs = history.bucketMs[i] ?? Number.NaN;
    if ((history.oomKillCountSum[i] ?? 0) > 0 && atMs > sinceMs)
      kills.push({
        at: new Date(atMs),
        memoryBytes: history.memoryWorkingSetBytesMax[i] ?? Number.NaN,
      });
  }
  return kills;
}
