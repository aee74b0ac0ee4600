import {
  getClusterByName,
  getLatestRollupBuckets,
  insertRollups,
  listContainersInCluster,
  refreshAllocation,
  type DbExecutor,
} from "@kubewise/db";

import { DEMO_WORKLOADS } from "./catalog";
import { DEMO_HISTORY_DAYS } from "./seed";
import { generateDemoRollups } from "./usage";

const STEP_MS = 300_000;

export type ExtendDemoHistoryInput = {
  db: DbExecutor;
  now: Date;
  rng: () => number;
  clusterName?: string;
  /** The seed's historyDays: the seed ended (its shapes' anchor) that long after the cluster's creation. */
  historyDays?: number;
  /** Also recompute the allocation of the hours written (a restart's catch-up; the aggregator's
   * maintenance round refreshes recent hours itself). */
  refreshAllocation?: boolean;
};

export type ExtendDemoHistoryResult = {
  rollups: number;
  /** The first bucket written, when any. */
  from?: Date;
};

/**
 * Keeps the seeded demo workloads live: writes their 5-minute rollups from each one's newest bucket
 * up to `now`, continuing the shapes the seed drew (the leak keeps leaking, the near-OOM container
 * stays near its limit, the seeded spike passes). The demo's simulated agents report their own
 * workloads; the seeded ones have no agent, so without this their history would stop at the seed.
 */
export async function extendDemoHistory(
  input: ExtendDemoHistoryInput,
): Promise<ExtendDemoHistoryResult> {
  const { db, now, rng } = input;
  const cluster = await getClusterByName(db, input.clusterName ?? "demo");
  if (!cluster) return { rollups: 0 };
  const anchor = new Date(
    cluster.createdAt.getTime() +
      (input.historyDays ?? DEMO_HISTORY_DAYS) * 86_400_000,
  );
  const targets = await listContainersInCluster(db, cluster.id);
  const latest = await getLatestRollupBuckets(
    db,
    targets.map((t) => t.container.id),
  );
  const endMs = Math.floor(now.getTime() / STEP_MS) * STEP_MS;
  let rollups = 0;
  let from: Date | undefined;
  for (const w of DEMO_WORKLOADS) {
    for (const spec of w.containers) {
      const target = targets.find(
        (t) =>
          t.workload.namespace === w.namespace &&
          t.workload.name === w.name &&
          t.container.name === spec.name,
      );
      const last = target && latest.get(target.container.id);
      if (!target || !last) continue;
      // The buckets after `last` up to the one before the bucket holding `now` (still filling).
      const rows = generateDemoRollups(spec, {
        from: new Date(last.getTime() + STEP_MS),
        end: new Date(endMs),
        rng,
        anchor,
      });
      if (rows.length === 0) continue;
      await insertRollups(
        db,
        rows.map((r) => ({ ...r, containerId: target.container.id })),
      );
      rollups += rows.length;
      const first = rows[0]?.bucket;
      if (first && (!from || first < from)) from = first;
    }
  }
  if (from && input.refreshAllocation === true)
    await refreshAllocation(db, { from, to: now });
  return from ? { rollups, from } : { rollups };
}
