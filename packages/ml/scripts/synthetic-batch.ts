// One batch of the synthetic pass: N containers with 8 days of 5-minute history, and one
// start / observe / recommend per container. Shared by the in-process pass and its workers.
import { generateSyntheticContainer } from "../src/eval/synthetic";
import type { Recommender, UsageChunk } from "../src/recommender";

export const HISTORY_DAYS = 8;
export const INTERVAL_S = 300;
const END_S = 1_700_000_000;

export function generateBatch(first: number, end: number): UsageChunk[] {
  const chunks: UsageChunk[] = [];
  for (let c = first; c < end; c++)
    chunks.push(
      generateSyntheticContainer({
        seed: c + 1,
        days: HISTORY_DAYS,
        intervalS: INTERVAL_S,
        endS: END_S,
      }),
    );
  return chunks;
}

/** Recommends every container of the batch; returns how many got no recommendation. */
export function recommendBatch(
  policy: Recommender,
  batch: { first: number; chunks: UsageChunk[] },
): number {
  let failures = 0;
  for (const [j, chunk] of batch.chunks.entries()) {
    const session = policy.start({
      seriesId: `synthetic-${batch.first + j}`,
      sampleIntervalS: INTERVAL_S,
    });
    session.observe(chunk);
    if (session.recommend(END_S).kind !== "ok") failures++;
  }
  return failures;
}
