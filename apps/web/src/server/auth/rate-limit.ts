export type SlidingWindowOptions = {
  /** Failures allowed inside the window. */
  limit: number;
  windowMs: number;
  maxKeys?: number;
};

export type FailureLimiter = {
  /** True when `key` has used up its failures inside the window. */
  isBlocked: (key: string, nowMs: number) => boolean;
  recordFailure: (key: string, nowMs: number) => void;
  /** Forgets a key's failures (after a successful login). */
  clear: (key: string) => void;
  size: () => number;
};

/**
 * Counts failures per key in a sliding window (a log of timestamps, at most `limit` per key).
 * In memory and per process: enough for one web replica; several replicas each allow `limit`.
 */
export function createFailureLimiter(
  options: SlidingWindowOptions,
): FailureLimiter {
  const maxKeys = options.maxKeys ?? 10_000;
  const failures = new Map<string, number[]>();
  const recent = (key: string, nowMs: number): number[] => {
    const kept = (failures.get(key) ?? []).filter(
      (at) => nowMs - at < options.windowMs,
    );
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept;
  };
  return {
    isBlocked: (key, nowMs) => recent(key, nowMs).length >= options.limit,
    recordFailure(key, nowMs) {
      const log = recent(key, nowMs);
      if (!failures.has(key) && failures.size >= maxKeys) {
        const oldest = failures.keys().next();
        if (!oldest.done) failures.delete(oldest.value);
      }
      failures.set(key, [...log, nowMs].slice(-options.limit));
    },
    clear: (key) => {
      failures.delete(key);
    },
    size: () => failures.size,
  };
}
