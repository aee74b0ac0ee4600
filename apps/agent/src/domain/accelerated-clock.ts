export type AcceleratedClock = { simNowMs(wallNowMs: number): number };

/**
 * Simulated time runs `speed` times faster than the wall clock from `simStartMs` until it
 * catches up with the wall clock, then follows it: no sample is ever stamped in the future.
 */
export function createAcceleratedClock(options: {
  wallStartMs: number;
  simStartMs: number;
  speed: number;
}): AcceleratedClock {
  if (!(options.speed >= 1)) throw new Error("clock speed must be >= 1");
  return {
    simNowMs: (wallNowMs) =>
      Math.min(
        wallNowMs,
        options.simStartMs + (wallNowMs - options.wallStartMs) * options.speed,
      ),
  };
}

/** Grid points (multiples of stepMs) in (fromMs, toMs], at most `limit` of them, oldest first. */
export function stepsBetween({
  fromMs,
  toMs,
  stepMs,
  limit,
}: {
  fromMs: number;
  toMs: number;
  stepMs: number;
  limit: number;
}): number[] {
  const steps: number[] = [];
  let t = (Math.floor(fromMs / stepMs) + 1) * stepMs;
  for (; t <= toMs && steps.length < limit; t += stepMs) steps.push(t);
  return steps;
}
