import type { UsageChunk } from "../recommender";

/** A regular series: `count` samples every `intervalS` from `startS`, values from the given functions. */
export function makeChunk(input: {
  startS?: number;
  intervalS?: number;
  count: number;
  cpu: (i: number) => number;
  mem: (i: number) => number;
}): UsageChunk {
  const { startS = 0, intervalS = 300, count } = input;
  const timestampsS = new Float64Array(count);
  const cpuCores = new Float64Array(count);
  const memBytes = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    timestampsS[i] = startS + i * intervalS;
    cpuCores[i] = input.cpu(i);
    memBytes[i] = input.mem(i);
  }
  return { timestampsS, cpuCores, memBytes };
}

export const GIB = 1024 * 1024 * 1024;
export const DAY_S = 86400;
