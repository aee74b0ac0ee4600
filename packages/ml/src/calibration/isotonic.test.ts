import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { applyIsotonic, fitIsotonic, invertIsotonic } from "./isotonic";

describe("fitIsotonic", () => {
  it.each([
    {
      name: "already monotone",
      points: [
        [0, 0],
        [1, 0],
        [2, 1],
        [3, 1],
      ],
      scores: [0, 1, 2, 3],
      probabilities: [0, 0, 1, 1],
    },
    {
      name: "one violation pooled",
      points: [
        [0, 1],
        [1, 0],
        [2, 1],
      ],
      scores: [0, 2],
      probabilities: [0.5, 1],
    },
    {
      name: "ties pooled first",
      points: [
        [1, 1],
        [1, 0],
        [2, 1],
        [2, 1],
      ],
      scores: [1, 2],
      probabilities: [0.5, 1],
    },
  ])("fits $name", ({ points, scores, probabilities }) => {
    const map = fitIsotonic(
      points.map(([score, outcome]) => ({
        score: score ?? 0,
        outcome: outcome ?? 0,
      })),
    );
    expect(map.scores).toEqual(scores);
    expect(map.probabilities).toEqual(probabilities);
  });

  it("rejects an empty or non-finite set", () => {
    expect(() => fitIsotonic([{ score: Number.NaN, outcome: 1 }])).toThrow(
      /at least one finite/,
    );
  });

  it("is non-decreasing and keeps the overall mean (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.boolean()), {
          minLength: 1,
          maxLength: 200,
        }),
        (raw) => {
          const points = raw.map(([score, hold]) => ({
            score,
            outcome: hold ? 1 : 0,
          }));
          const map = fitIsotonic(points);
          for (let i = 1; i < map.probabilities.length; i++)
            expect(map.probabilities[i]).toBeGreaterThanOrEqual(
              map.probabilities[i - 1] ?? 0,
            );
          const fittedMean =
            points.reduce((a, p) => a + applyIsotonic(map, p.score), 0) /
            points.length;
          const mean =
            points.reduce((a, p) => a + p.outcome, 0) / points.length;
          expect(fittedMean).toBeCloseTo(mean, 9);
        },
      ),
    );
  });
});

describe("invertIsotonic", () => {
  const map = { scores: [0, 3, 6], probabilities: [0.5, 0.9, 0.99] };
  it.each([
    { target: 0.4, score: 0 },
    { target: 0.9, score: 3 },
    { target: 0.95, score: 6 },
    { target: 0.999, score: 6 },
  ])("picks the smallest score reaching $target", ({ target, score }) => {
    expect(invertIsotonic(map, target)).toBe(score);
  });
  it("maps scores between blocks to the lower block", () => {
    expect(applyIsotonic(map, 4)).toBe(0.9);
    expect(applyIsotonic(map, -1)).toBe(0.5);
  });
});
