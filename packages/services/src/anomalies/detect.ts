import {
  getUsageHistory,
  insertAnomaly,
  listContainersInCluster,
  listOpenAnomaliesForContainer,
  resolveAnomaly,
  type ContainerWithWorkload,
  type UsageHistoryRow,
} from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import {
  findCpuSpike,
  findLeak,
  findOomRisk,
  toSeries,
  type AnomalyFinding,
} from "./detectors";
import {
  DetectAnomaliesInputSchema,
  type DetectAnomaliesInput,
} from "./schemas";

export type DetectAnomaliesResult = {
  opened: number;
  resolved: number;
  stillOpen: number;
  containers: number;
};

/** A container whose newest rollup is older than this has no fresh data to judge by. */
const NO_DATA_AFTER_MS = 30 * 60_000;

/** The aggregator's anomaly loop: run @kubewise/ml's detectors per container, open new and resolve cleared anomalies
 * (an anomaly is resolved only by fresh data without its cause, never by a silent container). */
export async function detectAnomalies({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: DetectAnomaliesInput;
}): Promise<DetectAnomaliesResult> {
  authorize(ctx, "detectAnomalies");
  const { clusterId, now, historyWindowSeconds } = parseInput(
    DetectAnomaliesInputSchema,
    input,
  );
  const result: DetectAnomaliesResult = {
    opened: 0,
    resolved: 0,
    stillOpen: 0,
    containers: 0,
  };
  const from = new Date(now.getTime() - historyWindowSeconds * 1000);
  for (const target of await listContainersInCluster(ctx.db, clusterId)) {
    const history = await getUsageHistory(ctx.db, {
      containerId: target.container.id,
      from,
      to: now,
    });
    const counts = await detectContainerAnomalies(ctx, {
      target,
      history,
      now,
    });
    result.opened += counts.opened;
    result.resolved += counts.resolved;
    result.stillOpen += counts.stillOpen;
    result.containers += 1;
  }
  ctx.logger.info({ clusterId, ...result }, "anomalies detected");
  return result;
}

/**
 * One container of a pass: the detectors over `history` (its recent rollups, in bucket order), new
 * anomalies opened and cleared ones resolved. The caller authorizes.
 */
export async function detectContainerAnomalies(
  ctx: ServiceContext,
  input: {
    target: ContainerWithWorkload;
    history: UsageHistoryRow[];
    now: Date;
  },
): Promise<Omit<DetectAnomaliesResult, "containers">> {
  const { target, history, now } = input;
  const newest = history.at(-1)?.bucket;
  if (!newest || now.getTime() - newest.getTime() > NO_DATA_AFTER_MS) {
    // No fresh data is no evidence either way: open anomalies stay open until data clears them.
    const open = await listOpenAnomaliesForContainer(
      ctx.db,
      target.container.id,
    );
    return { opened: 0, resolved: 0, stillOpen: open.length };
  }
  const series = toSeries(history, now);
  const limit = target.container.memoryLimitBytes;
  const findings = [
    findLeak(series, limit),
    findOomRisk(series, limit),
    findCpuSpike(history, now),
  ].filter((f): f is AnomalyFinding => f !== undefined);
  // The usual outcome is no change (nothing found and nothing open, or the same kinds): one read
  // and no transaction (BEGIN and COMMIT were two of a pass's round trips per container).
  const open = await listOpenAnomaliesForContainer(ctx.db, target.container.id);
  const sameKinds =
    findings.every((f) => open.some((a) => a.kind === f.kind)) &&
    open.every((a) => findings.some((f) => f.kind === a.kind));
  if (sameKinds) return { opened: 0, resolved: 0, stillOpen: findings.length };
  return withTransaction(ctx, (tx) => reconcile(tx, { target, findings, now }));
}

type ReconcileInput = {
  target: ContainerWithWorkload;
  findings: AnomalyFinding[];
  now: Date;
};

async function reconcile(
  tx: ServiceContext,
  { target, findings, now }: ReconcileInput,
): Promise<Omit<DetectAnomaliesResult, "containers">> {
  const { container, workload } = target;
  const open = await listOpenAnomaliesForContainer(tx.db, container.id);
  const counts = { opened: 0, resolved: 0, stillOpen: 0 };
  const audit = { ...tx, actorId: tx.actor.userId };
  for (const finding of findings) {
    if (open.some((a) => a.kind === finding.kind)) {
      counts.stillOpen += 1;
      continue;
    }
    const row = await insertAnomaly(tx.db, {
      ...finding,
      clusterId: workload.clusterId,
      containerId: container.id,
      detectedAt: now,
    });
    await recordAudit(audit, {
      clusterId: workload.clusterId,
      action: "anomaly.open",
      subject: `anomaly:${row.id}`,
      payload: {
        namespace: workload.namespace,
        workload: workload.name,
        container: container.name,
        kind: row.kind,
        severity: row.severity,
      },
    });
    counts.opened += 1;
  }
  for (const stale of open.filter(
    (a) => !findings.some((f) => f.kind === a.kind),
  )) {
    await resolveAnomaly(tx.db, stale.id, now);
    await recordAudit(audit, {
      clusterId: workload.clusterId,
      action: "anomaly.resolve",
      subject: `anomaly:${stale.id}`,
      payload: { namespace: workload.namespace, kind: stale.kind },
    });
    counts.resolved += 1;
  }
  return counts;
}
