/**
 * How long the agent waits before it counts its training windows again (the eligibility it reports
 * with each poll). Slowly only once the count has settled: while the history is still filling (a
 * new node, a backfill being written) a count that changed since the previous one is followed by a
 * quick recount, so a first count taken mid-fill does not keep the node out of rounds for the whole
 * slow interval.
 */
export function countCadenceMs(
  state: { trainable: number; changedAtLastCount: boolean },
  options: { countEveryMs: number; pollIntervalMs: number },
): number {
  const settled = state.trainable > 0 && !state.changedAtLastCount;
  return settled
    ? options.countEveryMs
    : Math.min(options.countEveryMs, 10 * options.pollIntervalMs, 60_000);
}
