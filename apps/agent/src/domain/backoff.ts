export type BackoffPolicy = { initialMs: number; maxMs: number };

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 1_000,
  maxMs: 30_000,
};

/** "Full jitter": uniform in [0, min(max, initial * 2^attempt)), so reconnect storms spread out. */
export function fullJitterDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number,
): number {
  const ceiling = Math.min(
    policy.maxMs,
    policy.initialMs * 2 ** Math.min(attempt, 30),
  );
  return Math.floor(random() * ceiling);
}
