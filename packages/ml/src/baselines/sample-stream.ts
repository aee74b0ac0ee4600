import type { RecommendResult, UsageChunk } from "../recommender";

/** Throws a clear error for a structurally broken chunk (the only input a session refuses outright). */
function assertUsageChunk(chunk: UsageChunk): void {
  const n = chunk.timestampsS.length;
  if (chunk.cpuCores.length !== n || chunk.memBytes.length !== n) {
    throw new Error(
      `usage chunk arrays differ in length: timestampsS=${n}, cpuCores=${chunk.cpuCores.length}, memBytes=${chunk.memBytes.length}`,
    );
  }
}

/**
 * Feeds the readings of a chunk in time order. Samples at or before the last accepted timestamp
 * (unsorted or duplicated input) and samples with a non-finite timestamp are dropped and counted;
 * a negative or non-finite reading reaches the callback as NaN (missing).
 */
export class SampleCursor {
  lastTimestampS = Number.NEGATIVE_INFINITY;
  firstTimestampS = Number.NaN;
  droppedSamples = 0;

  forEach(
    chunk: UsageChunk,
    visit: (timestampS: number, cpu: number, mem: number) => void,
  ): void {
    assertUsageChunk(chunk);
    const { timestampsS, cpuCores, memBytes } = chunk;
    for (let i = 0; i < timestampsS.length; i++) {
      const t = timestampsS[i] ?? Number.NaN;
      if (!Number.isFinite(t) || t <= this.lastTimestampS) {
        this.droppedSamples++;
        continue;
      }
      if (Number.isNaN(this.firstTimestampS)) this.firstTimestampS = t;
      this.lastTimestampS = t;
      visit(t, toReading(cpuCores[i]), toReading(memBytes[i]));
    }
  }
}

function toReading(v: number | undefined): number {
  return v !== undefined && Number.isFinite(v) && v >= 0 ? v : Number.NaN;
}

export function insufficientHistory(
  reason: string,
  confidence = 0,
): RecommendResult {
  return { kind: "insufficient-history", reason, confidence };
}

/** Round up to a step (e.g. 1 millicore, 1 MiB) without turning float noise into an extra step. */
export function roundUpTo(value: number, step: number): number {
  return Math.ceil(value / step - 1e-9) * step;
}

export const MIB = 1024 * 1024;
