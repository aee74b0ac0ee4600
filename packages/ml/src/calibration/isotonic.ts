/** Piecewise-constant non-decreasing map from a score to a probability (pool-adjacent-violators). */
export type IsotonicMap = { scores: number[]; probabilities: number[] };

/** Fits isotonic regression of binary outcomes on scores (PAV); ties in score are pooled first. */
export function fitIsotonic(
  points: readonly { score: number; outcome: number }[],
): IsotonicMap {
  const finite = points.filter(
    (p) => Number.isFinite(p.score) && Number.isFinite(p.outcome),
  );
  if (finite.length === 0)
    throw new RangeError(
      "isotonic calibration needs at least one finite (score, outcome) pair",
    );
  const sorted = [...finite].sort((a, b) => a.score - b.score);
  const blocks: { score: number; sum: number; weight: number }[] = [];
  for (const p of sorted) {
    const last = blocks[blocks.length - 1];
    if (last?.score === p.score) {
      last.sum += p.outcome;
      last.weight += 1;
    } else {
      blocks.push({ score: p.score, sum: p.outcome, weight: 1 });
    }
  }
  const stack: { score: number; sum: number; weight: number }[] = [];
  for (const b of blocks) {
    stack.push({ ...b });
    while (stack.length >= 2) {
      const top = stack[stack.length - 1];
      const below = stack[stack.length - 2];
      if (!top || !below || below.sum / below.weight <= top.sum / top.weight)
        break;
      stack.pop();
      below.sum += top.sum;
      below.weight += top.weight;
    }
  }
  return {
    scores: stack.map((b) => b.score),
    probabilities: stack.map((b) => b.sum / b.weight),
  };
}

/** Probability for `score`: the value of the last block starting at or below it (first block below all). */
export function applyIsotonic(map: IsotonicMap, score: number): number {
  let p = map.probabilities[0] ?? Number.NaN;
  for (let i = 0; i < map.scores.length; i++) {
    if ((map.scores[i] ?? Number.POSITIVE_INFINITY) <= score)
      p = map.probabilities[i] ?? p;
    else break;
  }
  return p;
}

/** Smallest listed score whose calibrated probability reaches `target`; the highest score if none does. */
export function invertIsotonic(map: IsotonicMap, target: number): number {
  for (let i = 0; i < map.scores.length; i++) {
    if ((map.probabilities[i] ?? 0) >= target)
      return map.scores[i] ?? Number.NaN;
  }
  return map.scores[map.scores.length - 1] ?? Number.NaN;
}
