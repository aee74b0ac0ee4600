import type {
  AgentRegistration,
  IngestContainer,
  SampleStore,
  StoreBatch,
  StoreResult,
  ValidatedBatch,
} from "../domain/batch";
import { createCoalescer } from "./coalescer";

export type Ingester = {
  ingest: (
    batch: ValidatedBatch,
  ) => Promise<{ duplicate: boolean; storedSamples: number }>;
  registerAgent: (agent: AgentRegistration) => Promise<void>;
  /** Sample-time range stored since the last call (what the rollups must recompute). */
  takeDirtyRange: () => { fromMs: number; toMs: number } | undefined;
};

const sameLabels = (
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean => {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
};

const CONTAINER_FIELDS = [
  "namespace",
  "workloadKind",
  "workloadName",
  "containerName",
  "cpuRequestMillicores",
  "cpuLimitMillicores",
  "memoryRequestBytes",
  "memoryLimitBytes",
] as const;

function sameContainer(x: IngestContainer, y: IngestContainer): boolean {
  for (const k of CONTAINER_FIELDS) if (x[k] !== y[k]) return false;
  return sameLabels(x.labels, y.labels);
}

/** The same containers in the same order (an agent's scrapes mostly repeat the previous one's). */
const sameContainers = (
  a: readonly IngestContainer[],
  b: readonly IngestContainer[],
): boolean =>
  a === b ||
  (a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      return y !== undefined && sameContainer(x, y);
    }));

const containerCacheKey = (c: IngestContainer) =>
  [
    c.namespace,
    c.workloadKind,
    c.workloadName,
    c.containerName,
    c.cpuRequestMillicores,
    c.cpuLimitMillicores,
    c.memoryRequestBytes,
    c.memoryLimitBytes,
    c.labels === undefined ? "" : JSON.stringify(c.labels),
  ].join("\u0000");

export type IngesterOptions = {
  /** Store transactions at once (batches arriving meanwhile are grouped into the next ones). */
  maxTransactions?: number;
  /** Samples per grouped transaction. */
  maxGroupSamples?: number;
  maxCachedContainers?: number;
};

/**
 * Resolves container ids through a bounded cache and groups batches into shared transactions, so
 * steady-state batches cost a share of one transaction each.
 */
export function createIngester(
  store: SampleStore,
  {
    maxTransactions = 10,
    maxGroupSamples = 20_000,
    maxCachedContainers = 200_000,
  }: IngesterOptions = {},
): Ingester {
  const coalescer = createCoalescer<StoreBatch, StoreResult>({
    store: store.insertBatches,
    maxConcurrent: maxTransactions,
    maxGroupWeight: maxGroupSamples,
    weight: (batch) => batch.samples.timestampMs.length,
  });
  const ids = new Map<string, string>();
  const registered = new Set<string>();
  let dirty: { fromMs: number; toMs: number } | undefined;
  const markDirty = (timestampsMs: readonly number[]) => {
    let fromMs = dirty?.fromMs ?? Infinity;
    let toMs = dirty?.toMs ?? -Infinity;
    for (const t of timestampsMs) {
      if (t < fromMs) fromMs = t;
      if (t >= toMs) toMs = t + 1;
    }
    if (fromMs < toMs) dirty = { fromMs, toMs };
  };

  // Per agent, its last batch's containers and their ids: a repeated scrape skips the key cache.
  const lastOfAgent = new Map<
    string,
    { containers: readonly IngestContainer[]; ids: string[] }
  >();
  const resolveForAgent = async (
    agentId: string,
    containers: readonly IngestContainer[],
  ) => {
    const last = lastOfAgent.get(agentId);
    if (last !== undefined && sameContainers(last.containers, containers))
      return last.ids;
    const ids = await resolve(containers);
    if (lastOfAgent.size >= maxCachedContainers) lastOfAgent.clear();
    lastOfAgent.set(agentId, { containers, ids });
    return ids;
  };

  const resolve = async (containers: readonly IngestContainer[]) => {
    const keys = containers.map(containerCacheKey);
    const missing = containers.filter((_, i) => !ids.has(keys[i] ?? ""));
    if (missing.length > 0) {
      const resolved = await store.resolveContainerIds(missing);
      if (ids.size + resolved.length > maxCachedContainers) ids.clear();
      missing.forEach((c, i) =>
        ids.set(containerCacheKey(c), resolved[i] ?? ""),
      );
    }
    return keys.map((k) => ids.get(k) ?? "");
  };

  return {
    async registerAgent(agent) {
      await store.registerAgent(agent);
      registered.add(agent.agentId);
    },
    async ingest(batch) {
      // Batches buffered before an aggregator restart may arrive on a stream that registered
      // another boot; the agent row only needs to exist for the batch key's foreign key.
      if (!registered.has(batch.agentId))
        await this.registerAgent({
          agentId: batch.agentId,
          bootId: batch.bootId,
        });
      const containerIds = await resolveForAgent(
        batch.agentId,
        batch.containers,
      );
      // Before the batch commits: a crash in between resends the batch, and reopening is a no-op.
      if (batch.anomalies !== undefined && store.recordAnomalies !== undefined)
        await store.recordAnomalies({
          agentId: batch.agentId,
          anomalies: batch.anomalies.map(({ containerIndex, ...a }) => ({
            ...a,
            containerId: containerIds[containerIndex] ?? "",
          })),
        });
      const result = await coalescer.submit({
        agentId: batch.agentId,
        bootId: batch.bootId,
        seq: batch.seq,
        containerIds,
        samples: batch.samples,
      });
      if (!result.duplicate) markDirty(batch.samples.timestampMs);
      return result;
    },
    takeDirtyRange() {
      const range = dirty;
      dirty = undefined;
      return range;
    },
  };
}
