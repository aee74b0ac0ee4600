import type {
  IngestContainer,
  SampleStore,
  ValidatedBatch,
} from "../domain/batch";

export type Ingester = {
  ingest: (
    batch: ValidatedBatch,
  ) => Promise<{ duplicate: boolean; storedSamples: number }>;
  registerAgent: (agent: { agentId: string; bootId: string }) => Promise<void>;
  /** Sample-time range stored since the last call (what the rollups must recompute). */
  takeDirtyRange: () => { fromMs: number; toMs: number } | undefined;
};

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
  ].join("\u0000");

/** Resolves container ids through a bounded cache, so steady-state batches cost one transaction. */
export function createIngester(
  store: SampleStore,
  maxCachedContainers = 200_000,
): Ingester {
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
      const containerIds = await resolve(batch.containers);
      // Before the batch commits: a crash in between resends the batch, and reopening is a no-op.
      if (batch.anomalies !== undefined && store.recordAnomalies !== undefined)
        await store.recordAnomalies({
          agentId: batch.agentId,
          anomalies: batch.anomalies.map(({ containerIndex, ...a }) => ({
            ...a,
            containerId: containerIds[containerIndex] ?? "",
          })),
        });
      const result = await store.insertBatch({
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
