import { describe, expect, it } from "vitest";

import { createRng } from "../stats/rng";
import { decideGate, DEFAULT_GATE, hasRegressed } from "./gate";
import { pairedRatioUpperBound, type PairedLoss } from "./noninferiority";

function pairs(count: number, ratio: number, seed: number): PairedLoss[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const baseline = 1 + rng();
    return { baseline, candidate: baseline * ratio * (0.97 + 0.06 * rng()) };
  });
}

describe("pairedRatioUpperBound", () => {
  it("brackets the pooled ratio and narrows with more units", () => {
    const options = { resamples: 2000, level: 0.95, seed: 1 };
    const few = pairedRatioUpperBound(pairs(5, 1, 2), options);
    const many = pairedRatioUpperBound(pairs(200, 1, 2), options);
    expect(few.upper).toBeGreaterThanOrEqual(few.ratio);
    expect(many.upper - many.ratio).toBeLessThan(few.upper - few.ratio);
    expect(many.units).toBe(200);
  });

  it("skips non-finite units", () => {
    const interval = pairedRatioUpperBound(
      [...pairs(10, 1, 3), { candidate: Number.NaN, baseline: 1 }],
      { resamples: 100, level: 0.95, seed: 1 },
    );
    expect(interval.units).toBe(10);
  });
});

describe("decideGate", () => {
  it("passes a candidate non-inferior on both federated and central scores", () => {
    const verdict = decideGate({
      federated: pairs(6, 0.95, 4),
      central: pairs(40, 0.97, 5),
    });
    expect(verdict.pass).toBe(true);
    expect(verdict.reasons).toEqual([]);
  });

  it("fails a candidate worse on the central holdout even when agents like it", () => {
    const verdict = decideGate({
      federated: pairs(6, 0.9, 4),
      central: pairs(40, 1.1, 5),
    });
    expect(verdict.pass).toBe(false);
    expect(verdict.reasons.join()).toMatch(/central holdout: upper bound/);
  });

  it("fails without enough agents or containers to judge", () => {
    const verdict = decideGate(
      { federated: pairs(2, 0.9, 4), central: [] },
      DEFAULT_GATE,
    );
    expect(verdict.reasons).toHaveLength(2);
  });
});

describe("hasRegressed", () => {
  it("flags a pooled loss ratio above 1 + margin", () => {
    expect(hasRegressed(pairs(5, 1.2, 6), { margin: 0.03 }).regressed).toBe(
      true,
    );
    expect(hasRegressed(pairs(5, 0.98, 6), { margin: 0.03 }).regressed).toBe(
      false,
    );
  });
});
