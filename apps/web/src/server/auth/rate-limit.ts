export type TokenBucketOptions = {
  capacity: number;
  refillPerSecond: number;
  maxKeys?: number;
};

export type TokenBucketLimiter = {
  /** Takes one token for `key`; false means the caller must be refused. */
  tryTake: (key: string, nowMs: number) => boolean;
  /** Gives back a token taken for `key` (e.g. after a successful login), never above capacity. */
  refund: (key: string) => void;
  size: () => number;
};

type Bucket = { tokens: number; updatedMs: number };

// In-memory and per process: enough for one web replica; several replicas each allow `capacity`.
export function createTokenBucketLimiter(
  options: TokenBucketOptions,
): TokenBucketLimiter {
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, Bucket>();

  function refill(bucket: Bucket, nowMs: number): void {
    const elapsedSeconds = Math.max(0, nowMs - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(
      options.capacity,
      bucket.tokens + elapsedSeconds * options.refillPerSecond,
    );
    bucket.updatedMs = nowMs;
  }

  return {
    tryTake(key, nowMs) {
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxKeys) {
          const oldest = buckets.keys().next();
          if (!oldest.done) buckets.delete(oldest.value);
        }
        bucket = { tokens: options.capacity, updatedMs: nowMs };
        buckets.set(key, bucket);
      }
      refill(bucket, nowMs);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    refund(key) {
      const bucket = buckets.get(key);
      if (bucket) bucket.tokens = Math.min(options.capacity, bucket.tokens + 1);
    },
    size: () => buckets.size,
  };
}
