import type { UsageChunk } from "../recommender";
import { createRng } from "../stats/rng";

/**
 * A synthetic container: daily CPU cycle with noise and rare bursts, memory with a slow wander;
 * `days` of samples every `intervalS` ending at `endS`. Deterministic for a given seed.
 */
export function generateSyntheticContainer(input: {
  seed: number;
  days: number;
  intervalS: number;
  endS: number;
}): UsageChunk {
  const rng = createRng(input.seed);
  const count = Math.round((input.days * 86400) / input.intervalS);
  const baseCpu = 0.05 + rng() * 2;
  const amplitude = rng() * 0.8;
  const baseMem = (128 + rng() * 4096) * 1024 * 1024;
  const timestampsS = new Float64Array(count);
  const cpuCores = new Float64Array(count);
  const memBytes = new Float64Array(count);
  let wander = 0;
  for (let i = 0; i < count; i++) {
    const t = input.endS - (count - i) * input.intervalS;
    timestampsS[i] = t;
    const daily = 1 + amplitude * Math.sin((2 * Math.PI * (t % 86400)) / 86400);
    const burst = rng() < 0.005 ? 3 : 1;
    cpuCores[i] = Math.max(0, baseCpu * daily * burst * (0.8 + 0.4 * rng()));
    wander = 0.995 * wander + 0.01 * (rng() - 0.5);
    memBytes[i] = baseMem * (1 + wander + 0.02 * rng());
  }
  return { timestampsS, cpuCores, memBytes };
}
