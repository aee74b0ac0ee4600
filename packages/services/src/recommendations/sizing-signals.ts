// What Kubewise knows about a container beyond its usage statistics, read for the sizing rules.
import type { ContainerWithWorkload, UsageHistoryRow } from "@kubewise/db";
import { burstProfile } from "@kubewise/ml";

import {
  BATCH_WORKLOAD_KINDS,
  RECENT_OOM_SECONDS,
  type SizingSignals,
} from "./sizing-rules";

/** The signals of one container; `anomalies` are its open ones (read with its chunk of the pass). */
export function gatherSizingSignals(input: {
  target: ContainerWithWorkload;
  history: readonly UsageHistoryRow[];
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
    oomKills: history
      .filter((h) => h.oomKillCountSum > 0 && h.bucket.getTime() > since)
      .map((h) => ({ at: h.bucket, memoryBytes: h.memoryWorkingSetBytesMax })),
    workloadKind: workload.kind,
    burst: batch
      ? burstProfile(Float64Array.from(history, (h) => h.cpuUsageCoresAvg))
      : null,
  };
}
