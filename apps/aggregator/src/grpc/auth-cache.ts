export type VerdictCache<V> = {
  get: (key: string, nowMs: number) => V | undefined;
  set: (key: string, value: V, expiresAtMs: number) => void;
  readonly size: number;
};

/** LRU with a per-entry expiry; a Map keeps insertion order, so re-inserting on a hit marks it recent. */
export function createVerdictCache<V>(maxEntries: number): VerdictCache<V> {
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new Error(`maxEntries must be a positive integer, got ${maxEntries}`);
  const entries = new Map<string, { value: V; expiresAtMs: number }>();
  return {
    get(key, nowMs) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (entry.expiresAtMs <= nowMs) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, expiresAtMs) {
      entries.delete(key);
      entries.set(key, { value, expiresAtMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
