import {
  getUsageHistoryColumns,
  insertAnomalies,
  listContainersInCluster,
  listOpenAnomaliesForContainers,
  resolveAnomalies,
  type AnomalyRow,
  type ContainerWithWorkload,
  type NewAnomalyRow,
  type UsageHistoryColumns,
} from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudits, type AuditEntry } from "../internal/audit";
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
    const history = (
      await getUsageHistoryColumns(ctx.db, {
        containerIds: [target.container.id],
        from,
        to: now,
      })
    ).get(target.container.id);
    if (history === undefined) throw new Error("no history entry");
    const { counts } = await detectChunkAnomalies(ctx, {
      items: [{ target, history }],
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

type AnomalyCounts = Omit<DetectAnomaliesResult, "containers">;

/** What the detectors found for one container; null without fresh data to judge by. */
function judge(
  target: ContainerWithWorkload,
  history: UsageHistoryColumns,
  now: Date,
): AnomalyFinding[] | null {
  const newestMs = history.bucketMs[history.length - 1];
  if (newestMs === undefined || now.getTime() - newestMs > NO_DATA_AFTER_MS)
    return null;
  const series = toSeries(history, now);
  const limit = target.container.memoryLimitBytes;
  return [
    findLeak(series, limit),
    findOomRisk(series, limit),
    findCpuSpike(history, now),
  ].filter((f): f is AnomalyFinding => f !== undefined);
}

const sameKinds = (findings: AnomalyFinding[], open: AnomalyRow[]) =>
  findings.every((f) => open.some((a) => a.kind === f.kind)) &&
  open.every((a) => findings.some((f) => f.kind === a.kind));

/**
 * A chunk of a pass: the detectors over each container's `history` (its recent rollups, in bucket
 * order), new anomalies opened and cleared ones resolved; with each container's open anomalies
 * afterwards (the recommendation's sizing signals). The open anomalies are read in one query, and
 * the changes, when there are any, written in one transaction. The caller authorizes.
 */
export async function detectChunkAnomalies(
  ctx: ServiceContext,
  input: {
    items: readonly {
      target: ContainerWithWorkload;
      history: UsageHistoryColumns;
    }[];
    now: Date;
  },
): Promise<{ counts: AnomalyCounts; open: Map<string, AnomalyRow[]> }> {
  const { items, now } = input;
  const open = await listOpenAnomaliesForContainers(
    ctx.db,
    items.map((i) => i.target.container.id),
  );
  const counts: AnomalyCounts = { opened: 0, resolved: 0, stillOpen: 0 };
  const changed: ReconcileInput["changed"] = [];
  for (const { target, history } of items) {
    const before = open.get(target.container.id) ?? [];
    const findings = judge(target, history, now);
    // No fresh data is no evidence either way: open anomalies stay open until data clears them.
    if (findings === null) counts.stillOpen += before.length;
    // The usual outcome is no change (nothing found and nothing open, or the same kinds): no
    // transaction.
    else if (sameKinds(findings, before)) counts.stillOpen += findings.length;
    else changed.push({ target, findings });
  }
  if (changed.length > 0) {
    const after = await withTransaction(ctx, (tx) =>
      reconcile(tx, { changed, now, counts }),
    );
    for (const [id, rows] of after) open.set(id, rows);
  }
  return { counts, open };
}

type ReconcileInput = {
  changed: { target: ContainerWithWorkload; findings: AnomalyFinding[] }[];
  now: Date;
  counts: AnomalyCounts;
};

/** Opens and resolves the changed containers' anomalies; their open anomalies afterwards. */
async function reconcile(
  tx: ServiceContext,
  { changed, now, counts }: ReconcileInput,
): Promise<Map<string, AnomalyRow[]>> {
  const open = await listOpenAnomaliesForContainers(
    tx.db,
    changed.map((c) => c.target.container.id),
  );
  const { inserts, stale } = changesOf(changed, open, { now, counts });
  const inserted = await insertAnomalies(
    tx.db,
    inserts.map((i) => i.values),
  );
  await resolveAnomalies(
    tx.db,
    stale.map((s) => s.anomaly.id),
    now,
  );
  counts.resolved += stale.length;
  await recordAudits(
    { ...tx, actorId: tx.actor.userId },
    auditEntries(
      inserted.map((row, k) => ({ row, target: inserts[k]?.target })),
      stale,
    ),
  );
  const resolved = new Set(stale.map((s) => s.anomaly.id));
  const after = new Map<string, AnomalyRow[]>();
  for (const { target } of changed)
    after.set(
      target.container.id,
      (open.get(target.container.id) ?? []).filter((a) => !resolved.has(a.id)),
    );
  for (const row of inserted) after.get(row.containerId)?.push(row);
  return after;
}

/** The audit entries of a reconcile: each anomaly opened, then each resolved. */
function auditEntries(
  opened: { row: AnomalyRow; target: ContainerWithWorkload | undefined }[],
  resolved: { target: ContainerWithWorkload; anomaly: AnomalyRow }[],
): AuditEntry[] {
  return [
    ...opened.map(({ row, target }) => ({
      clusterId: row.clusterId,
      action: "anomaly.open",
      subject: `anomaly:${row.id}`,
      payload: {
        namespace: target?.workload.namespace,
        workload: target?.workload.name,
        container: target?.container.name,
        kind: row.kind,
        severity: row.severity,
      },
    })),
    ...resolved.map(({ target, anomaly }) => ({
      clusterId: target.workload.clusterId,
      action: "anomaly.resolve",
      subject: `anomaly:${anomaly.id}`,
      payload: { namespace: target.workload.namespace, kind: anomaly.kind },
    })),
  ];
}

/** The anomalies to open (findings of a kind not open) and to resolve (open, no longer found). */
function changesOf(
  changed: ReconcileInput["changed"],
  open: Map<string, AnomalyRow[]>,
  { now, counts }: { now: Date; counts: AnomalyCounts },
): {
  inserts: { target: ContainerWithWorkload; values: NewAnomalyRow }[];
  stale: { target: ContainerWithWorkload; anomaly: AnomalyRow }[];
} {
  const inserts: { target: ContainerWithWorkload; values: NewAnomalyRow }[] =
    [];
  const stale: { target: ContainerWithWorkload; anomaly: AnomalyRow }[] = [];
  for (const { target, findings } of changed) {
    const { container, workload } = target;
    const current = open.get(container.id) ?? [];
    for (const finding of findings) {
      if (current.some((a) => a.kind === finding.kind)) {
        counts.stillOpen += 1;
        continue;
      }
      inserts.push({
        target,
        values: {
          ...finding,
          clusterId: workload.clusterId,
          containerId: container.id,
          detectedAt: now,
        },
      });
      counts.opened += 1;
    }
    for (const anomaly of current)
      if (!findings.some((f) => f.kind === anomaly.kind))
        stale.push({ target, anomaly });
  }
  return { inserts, stale };
}
