// What Kubewise knows about a container beyond its usage statistics, read for the sizing rules.
import {
  listOpenAnomaliesForContainer,
  type ContainerWithWorkload,
  type UsageHistoryRow,
} from "@kubewise/db";
import { burstProfile } from "@kubewise/ml";

import type { ServiceContext } from "../context";
import {
  BATCH_WORKLOAD_KINDS,
  RECENT_OOM_SECONDS,
  type SizingSignals,
} from "./sizing-rules";

export async function gatherSizingSignals(
  ctx: ServiceContext,
  input: {
    target: ContainerWithWorkload;
    history: readonly UsageHistoryRow[];
    now: Date;
  },
): Promise<SizingSignals> {
  const { target, history, now } = input;
  const { container, workload } = target;
  const since = now.getTime() - RECENT_OOM_SECONDS * 1000;
  const batch = BATCH_WORKLOAD_KINDS.includes(workload.kind);
  return {
    current: {
      memRequestBytes: container.memoryRequestBytes,
      memLimitBytes: container.memoryLimitBytes,
    },
    anomalies: await listOpenAnomaliesForContainer(ctx.db, container.id),
    oomKills: history
      .filter((h) => h.oomKillCountSum > 0 && h.bucket.getTime() > since)
      .map((h) => ({ at: h.bucket, memoryBytes: h.memoryWorkingSetBytesMax })),
    workloadKind: workload.kind,
    burst: batch
      ? burstProfile(Float64Array.from(history, (h) => h.cpuUsageCoresAvg))
      : null,
  };
}
