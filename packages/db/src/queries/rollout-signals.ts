import { sql } from "drizzle-orm";

import { ValidationError } from "@kubewise/core";

import type { DbExecutor } from "../client";
import { assertTimeRange, type TimeRange } from "../metrics/time-range";

export type RolloutSignalsQuery = {
  clusterId: string;
  namespace: string;
  kind: string;
  name: string;
  containerNames: string[];
  /** Before the change: what "normal" looked like. */
  baseline: TimeRange;
  /** Since the change (or the current rollout step); empty (from = to) before it starts. */
  observation: TimeRange;
  /** The agents' collection interval: each sample's counters cover this many seconds. */
  sampleIntervalSeconds: number;
  /** CFS period of the containers (the kernel default is 100 ms). */
  cfsPeriodSeconds?: number;
};

export type WindowSignals = {
  sampleCount: number;
  throttledPeriods: number;
  /**
   * Throttled periods / CFS periods over the samples; undefined without samples. Samples with
   * nr_periods deltas (cpu_periods) count those exactly; samples without (older agents, kubelet
   * and replay sources) count the wall-clock periods of one sample interval, a lower bound of
   * the kernel's nr_throttled / nr_periods (equal when always runnable).
   */
  throttlingRatio: number | undefined;
  oomKills: number;
  /** Highest working set of any sample in the window; undefined without samples. */
  workingSetPeakBytes: number | undefined;
};

export type ContainerRolloutSignals = {
  containerName: string;
  baseline: WindowSignals;
  observation: WindowSignals;
};

const DEFAULT_CFS_PERIOD_SECONDS = 0.1;

function toWindow(
  row: Record<string, unknown> | undefined,
  periodsPerSample: number,
): WindowSignals {
  const num = (column: string): number => Number(row?.[column] ?? 0);
  const sampleCount = num("sample_count");
  const throttledPeriods = num("throttled_periods");
  const periods =
    num("known_periods") + num("unknown_period_samples") * periodsPerSample;
  let throttlingRatio: number | undefined;
  if (sampleCount > 0)
    throttlingRatio =
      periods === 0 ? 0 : Math.min(1, throttledPeriods / periods);
  const peak = row?.working_set_peak;
  return {
    sampleCount,
    throttledPeriods,
    throttlingRatio,
    oomKills: num("oom_kills"),
    workingSetPeakBytes:
      peak === null || peak === undefined ? undefined : Number(peak),
  };
}

/**
 * Throttling ratio and OOM kills per container of one workload, for the pre-change baseline
 * and the observation window, from raw metric samples (all pods of the workload together).
 * Containers without a row in `containers` are absent from the result.
 */
export async function queryRolloutSignals(
  db: DbExecutor,
  query: RolloutSignalsQuery,
): Promise<ContainerRolloutSignals[]> {
  assertTimeRange(query.baseline);
  if (query.observation.from.getTime() !== query.observation.to.getTime())
    assertTimeRange(query.observation);
  const cfsPeriodSeconds = query.cfsPeriodSeconds ?? DEFAULT_CFS_PERIOD_SECONDS;
  if (!(query.sampleIntervalSeconds > 0) || !(cfsPeriodSeconds > 0))
    throw new ValidationError(
      `sampleIntervalSeconds and cfsPeriodSeconds must be positive, got ${query.sampleIntervalSeconds} and ${cfsPeriodSeconds}`,
    );
  if (query.containerNames.length === 0) return [];
  const { baseline, observation } = query;
  const names = sql.join(
    query.containerNames.map((n) => sql`${n}`),
    sql`, `,
  );
  const rows = await db.execute<Record<string, unknown>>(sql`
    select c.name as container_name, w.window_name,
      count(s.ts)::integer as sample_count,
      coalesce(sum(s.cpu_throttled_periods), 0)::float8 as throttled_periods,
      coalesce(sum(s.cpu_periods), 0)::float8 as known_periods,
      (count(s.ts) - count(s.cpu_periods))::integer as unknown_period_samples,
      coalesce(sum(s.oom_kill_count), 0)::integer as oom_kills,
      max(s.memory_working_set_bytes)::float8 as working_set_peak
    from workloads wl
    join containers c on c.workload_id = wl.id and c.name in (${names})
    cross join (values
      ('baseline', ${baseline.from.toISOString()}::timestamptz, ${baseline.to.toISOString()}::timestamptz),
      ('observation', ${observation.from.toISOString()}::timestamptz, ${observation.to.toISOString()}::timestamptz)
    ) as w(window_name, window_from, window_to)
    left join metric_samples s
      on s.container_id = c.id and s.ts >= w.window_from and s.ts < w.window_to
    where wl.cluster_id = ${query.clusterId} and wl.namespace = ${query.namespace}
      and wl.kind = ${query.kind} and wl.name = ${query.name}
    group by 1, 2
    order by 1, 2`);
  const periodsPerSample = query.sampleIntervalSeconds / cfsPeriodSeconds;
  const byName = new Map<string, Record<string, Record<string, unknown>>>();
  for (const row of rows) {
    const name = String(row.container_name);
    byName.set(name, {
      ...byName.get(name),
      [String(row.window_name)]: row,
    });
  }
  return [...byName.entries()].map(([containerName, windows]) => ({
    containerName,
    baseline: toWindow(windows.baseline, periodsPerSample),
    observation: toWindow(windows.observation, periodsPerSample),
  }));
}
