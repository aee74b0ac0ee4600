import type { Sql } from "../client";
import { ensureCluster } from "./cluster-identity";
import { pipelinedCopyTransaction } from "./copy-binary";
import { COPY_SAMPLES, encodeSamplesForCopy } from "./sample-copy";

/** Workload container identity plus current requests/limits; 0 means "not set". */
export type IngestContainer = {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  containerName: string;
  cpuRequestMillicores: number;
  cpuLimitMillicores: number;
  memoryRequestBytes: number;
  memoryLimitBytes: number;
  /** The pod's labels; absent = unknown (the workload keeps its stored labels). */
  labels?: Readonly<Record<string, string>>;
};

/** Columnar samples: element i of each array is sample i; containerIndex points into containerIds. */
export type IngestSamples = {
  containerIndex: readonly number[];
  timestampMs: readonly number[];
  cpuUsageCores: readonly number[];
  cpuThrottledPeriods: readonly number[];
  cpuThrottledSeconds: readonly number[];
  /** Elapsed CFS periods (nr_periods deltas); absent = unknown (stored as NULL). */
  cpuPeriods?: readonly number[];
  memoryWorkingSetBytes: readonly number[];
  memoryRssBytes: readonly number[];
  /** 0 = unlimited (stored as NULL) */
  memoryLimitBytes: readonly number[];
  oomKillCount: readonly number[];
};

export type IngestBatchInput = {
  /** The agent's cluster: agent ids (node names) are unique per cluster only. */
  clusterId: string;
  agentId: string;
  bootId: string;
  seq: number;
  containerIds: readonly string[];
  samples: IngestSamples;
};

export type IngestResult = { duplicate: boolean; storedSamples: number };

export type IngestStats = {
  windowSeconds: number;
  batches: number;
  samples: number;
  agents: number;
  lastReceivedAt: Date | null;
};

/** Returns the id of the cluster with this name, creating it on first use (no kube-system UID). */
export async function ensureClusterByName(
  sql: Sql,
  name: string,
): Promise<string> {
  return ensureCluster(sql, { name });
}

/**
 * Records an agent's boot. With a node (name and the capacity the agent read there) the node row is
 * upserted and the agent linked to it, which is what hourly cluster capacity (idle cost) counts;
 * without one the agent keeps its node.
 */
export async function registerAgent(
  sql: Sql,
  agent: {
    agentId: string;
    clusterId: string;
    bootId: string;
    node?: { name: string; cpuMillicores: number; memoryBytes: number };
  },
): Promise<void> {
  const { node } = agent;
  if (node === undefined) {
    await sql`
      insert into agents (agent_id, cluster_id, boot_id)
      values (${agent.agentId}, ${agent.clusterId}, ${agent.bootId})
      on conflict (cluster_id, agent_id) do update
        set boot_id = excluded.boot_id, last_seen_at = excluded.last_seen_at`;
    return;
  }
  await sql`
    with n as (
      insert into nodes (cluster_id, name, cpu_capacity_millicores, memory_capacity_bytes)
      values (${agent.clusterId}, ${node.name}, ${node.cpuMillicores}, ${node.memoryBytes})
      on conflict (cluster_id, name) do update set
        cpu_capacity_millicores = excluded.cpu_capacity_millicores,
        memory_capacity_bytes = excluded.memory_capacity_bytes
      returning id
    )
    insert into agents (agent_id, cluster_id, boot_id, node_id)
    select ${agent.agentId}, ${agent.clusterId}, ${agent.bootId}, n.id from n
    on conflict (cluster_id, agent_id) do update
      set boot_id = excluded.boot_id,
        node_id = excluded.node_id, last_seen_at = excluded.last_seen_at`;
}

/**
 * Upserts workloads and containers (idempotent metadata, so outside the batch transaction) and
 * returns the container ids in input order. Requests/limits are rewritten only when they changed.
 */
export async function resolveContainerIds(
  sql: Sql,
  clusterId: string,
  containers: readonly IngestContainer[],
): Promise<string[]> {
  if (containers.length === 0) return [];
  const col = <K extends Exclude<keyof IngestContainer, "labels">>(key: K) =>
    containers.map((c) => c[key]);
  // JSON text per container; null = labels unknown (the stored ones stay).
  const labels = containers.map((c) =>
    c.labels === undefined ? null : JSON.stringify(c.labels),
  );
  const input = sql`unnest(
      ${col("namespace")}::text[], ${col("workloadKind")}::text[], ${col("workloadName")}::text[],
      ${col("containerName")}::text[], ${col("cpuRequestMillicores")}::int8[], ${col("cpuLimitMillicores")}::int8[],
      ${col("memoryRequestBytes")}::int8[], ${col("memoryLimitBytes")}::int8[], ${labels}::text[]
    ) with ordinality as i(namespace, kind, name, container_name, cpu_req, cpu_lim, mem_req, mem_lim, labels, n)`;
  // Sorted inserts: concurrent streams then lock rows in the same order and cannot deadlock. A
  // workload's labels are its pods' (the last batch's pod wins when a rollout changes them).
  if (labels.some((l) => l !== null))
    await sql`
      insert into workloads (cluster_id, namespace, kind, name, labels)
      select distinct on (namespace, kind, name) ${clusterId}::uuid, namespace, kind, name, labels::jsonb
      from ${input}
      where labels is not null
      order by namespace, kind, name, n desc
      on conflict (cluster_id, namespace, kind, name) do update set labels = excluded.labels
      where workloads.labels <> excluded.labels`;
  if (labels.some((l) => l === null))
    await sql`
      insert into workloads (cluster_id, namespace, kind, name)
      select distinct ${clusterId}::uuid, namespace, kind, name from ${input}
      where labels is null
      order by 2, 3, 4
      on conflict (cluster_id, namespace, kind, name) do nothing`;
  await sql`
    insert into containers (workload_id, name, cpu_request_millicores, cpu_limit_millicores, memory_request_bytes, memory_limit_bytes)
    select distinct on (w.id, i.container_name) w.id, i.container_name,
      nullif(i.cpu_req, 0), nullif(i.cpu_lim, 0), nullif(i.mem_req, 0), nullif(i.mem_lim, 0)
    from ${input}
    join workloads w on w.cluster_id = ${clusterId}::uuid and w.namespace = i.namespace and w.kind = i.kind and w.name = i.name
    order by w.id, i.container_name
    on conflict (workload_id, name) do update set
      cpu_request_millicores = excluded.cpu_request_millicores,
      cpu_limit_millicores = excluded.cpu_limit_millicores,
      memory_request_bytes = excluded.memory_request_bytes,
      memory_limit_bytes = excluded.memory_limit_bytes,
      updated_at = excluded.updated_at
    where (containers.cpu_request_millicores, containers.cpu_limit_millicores, containers.memory_request_bytes, containers.memory_limit_bytes)
      is distinct from (excluded.cpu_request_millicores, excluded.cpu_limit_millicores, excluded.memory_request_bytes, excluded.memory_limit_bytes)`;
  const rows = await sql<{ id: string }[]>`
    select c.id from ${input}
    join workloads w on w.cluster_id = ${clusterId}::uuid and w.namespace = i.namespace and w.kind = i.kind and w.name = i.name
    join containers c on c.workload_id = w.id and c.name = i.container_name
    order by i.n`;
  if (rows.length !== containers.length) {
    throw new Error(
      `resolved ${rows.length} of ${containers.length} containers`,
    );
  }
  return rows.map((r) => r.id);
}

const batchKey = (
  b: Pick<IngestBatchInput, "clusterId" | "agentId" | "bootId" | "seq">,
) => `${b.clusterId}\u0000${b.agentId}\u0000${b.bootId}\u0000${b.seq}`;

/**
 * Stores batches exactly once, all in one transaction (the aggregator's ingest writer groups the
 * batches that arrive while its previous transaction commits: one commit, one COPY for all of
 * them), in four round trips (see pipelinedCopyTransaction). The batch keys go in first with ON
 * CONFLICT DO NOTHING: a key that exists, or that a concurrent transaction holds, makes that batch
 * a duplicate (its samples are skipped) once the other commits. Then one binary COPY of the new
 * batches' samples. Results are in input order; a batch listed twice stores once.
 */
export async function insertIngestBatches(
  sql: Sql,
  batches: readonly IngestBatchInput[],
): Promise<IngestResult[]> {
  if (batches.length === 0) return [];
  const firstIndex = new Map<string, number>();
  const unique: IngestBatchInput[] = [];
  batches.forEach((b, i) => {
    if (firstIndex.has(batchKey(b))) return;
    firstIndex.set(batchKey(b), i);
    unique.push(b);
  });
  const fresh = new Set<string>();
  await pipelinedCopyTransaction<{
    cluster_id: string;
    agent_id: string;
    boot_id: string;
    seq: string;
  }>(sql, {
    // Sorted, so two transactions that share keys lock them in the same order.
    first: (c) => c`
      insert into ingest_batches (cluster_id, agent_id, boot_id, seq, sample_count)
      select * from unnest(
        ${unique.map((b) => b.clusterId)}::uuid[], ${unique.map((b) => b.agentId)}::text[],
        ${unique.map((b) => b.bootId)}::text[], ${unique.map((b) => b.seq)}::int8[],
        ${unique.map((b) => b.samples.timestampMs.length)}::int4[])
      order by 1, 2, 3, 4
      on conflict do nothing
      returning cluster_id, agent_id, boot_id, seq`,
    statement: COPY_SAMPLES,
    payload: (inserted) => {
      for (const k of inserted)
        fresh.add(
          batchKey({
            clusterId: k.cluster_id,
            agentId: k.agent_id,
            bootId: k.boot_id,
            seq: Number(k.seq),
          }),
        );
      return encodeSamplesForCopy(
        ...unique.filter(
          (b) => fresh.has(batchKey(b)) && b.samples.timestampMs.length > 0,
        ),
      );
    },
  });
  return batches.map((b, i) =>
    firstIndex.get(batchKey(b)) === i && fresh.has(batchKey(b))
      ? { duplicate: false, storedSamples: b.samples.timestampMs.length }
      : { duplicate: true, storedSamples: 0 },
  );
}

/** Stores one batch exactly once (insertIngestBatches with one batch). */
export async function insertIngestBatch(
  sql: Sql,
  batch: IngestBatchInput,
): Promise<IngestResult> {
  const [result] = await insertIngestBatches(sql, [batch]);
  if (result === undefined)
    throw new Error("insertIngestBatches returned no result");
  return result;
}

/** Batches and samples received in the last `windowSeconds` (for the web status page). */
export async function getIngestStats(
  sql: Sql,
  windowSeconds = 60,
): Promise<IngestStats> {
  const [row] = await sql<
    {
      batches: string;
      samples: string | null;
      agents: string;
      last_ms: string | null;
    }[]
  >`
    select count(*) as batches, sum(sample_count) as samples,
      count(distinct cluster_id::text || agent_id) as agents,
      extract(epoch from max(received_at)) * 1000 as last_ms
    from ingest_batches where received_at > now() - make_interval(secs => ${windowSeconds})`;
  return {
    windowSeconds,
    batches: Number(row?.batches ?? 0),
    samples: Number(row?.samples ?? 0),
    agents: Number(row?.agents ?? 0),
    lastReceivedAt: row?.last_ms == null ? null : new Date(Number(row.last_ms)),
  };
}

/** Missing seq numbers per (agent, boot) over batches received in the window: 0 means nothing lost. */
export async function countSequenceGaps(
  sql: Sql,
  windowSeconds = 3600,
): Promise<number> {
  const [row] = await sql<{ gaps: string | null }[]>`
    select sum(max_seq - min_seq + 1 - n) as gaps from (
      select max(seq) as max_seq, min(seq) as min_seq, count(*) as n from ingest_batches
      where received_at > now() - make_interval(secs => ${windowSeconds})
      group by cluster_id, agent_id, boot_id) per_boot`;
  return Number(row?.gaps ?? 0);
}
