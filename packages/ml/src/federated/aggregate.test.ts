import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  aggregateDeltas,
  DEFAULT_AGGREGATION,
  nextClipNorm,
  screenDelta,
  type ClientDelta,
} from "./aggregate";
import { l2Norm } from "./parameters";

const OPTIONS = {
  ...DEFAULT_AGGREGATION,
  parameterCount: 4,
  clipNorm: 1,
  dpNoiseMultiplier: 0,
};

const client = (id: string, delta: number[], examples = 10): ClientDelta => ({
  clientId: id,
  delta: Float32Array.from(delta),
  exampleCount: examples,
});

describe("screenDelta", () => {
  it.each([
    ["shape", client("a", [0.1, 0.1]), "shape"],
    ["NaN", client("a", [0.1, Number.NaN, 0, 0]), "non_finite"],
    [
      "Infinity",
      client("a", [Number.POSITIVE_INFINITY, 0, 0, 0]),
      "non_finite",
    ],
    ["absurd norm", client("a", [10, 0, 0, 0]), "norm"],
    ["zero examples", client("a", [0.1, 0, 0, 0], 0), "examples"],
  ])("refuses %s", (_, update, reason) => {
    expect(screenDelta(update, OPTIONS)?.reason).toBe(reason);
  });

  it("accepts a clipped delta and allows for DP noise in the norm bound", () => {
    expect(screenDelta(client("a", [0.6, 0.8, 0, 0]), OPTIONS)).toBeUndefined();
    const noisy = client("a", [1.5, 1.5, 1.5, 1.5]);
    expect(screenDelta(noisy, OPTIONS)?.reason).toBe("norm");
    expect(
      screenDelta(noisy, { ...OPTIONS, dpNoiseMultiplier: 1 }),
    ).toBeUndefined();
  });
});

describe("aggregateDeltas", () => {
  it("is the capped-weight mean below trimFrom updates", () => {
    const { delta, report } = aggregateDeltas(
      [client("a", [0.1, 0, 0, 0], 10), client("b", [0.3, 0, 0, 0], 1000)],
      OPTIONS,
    );
    // Median examples 505, cap 1010: weights 10 and 1000.
    expect(report.rule).toBe("weighted-mean");
    expect(delta?.[0]).toBeCloseTo((0.1 * 10 + 0.3 * 1000) / 1010, 6);
  });

  it("caps a client that claims far more examples than the others", () => {
    const honest = [1, 2, 3].map((i) => client(`h${i}`, [0.1, 0, 0, 0], 100));
    const liar = client("liar", [0.9, 0, 0, 0], 1_000_000);
    const { delta, report } = aggregateDeltas([...honest, liar], OPTIONS);
    expect(report.weights.liar).toBe(200);
    expect(delta?.[0]).toBeCloseTo((0.1 * 300 + 0.9 * 200) / 500, 6);
  });

  it("trims a sign-flipped attacker from 5 updates on and refuses NaN and huge ones", () => {
    const honest = [1, 2, 3, 4].map((i) =>
      client(`h${i}`, [0.1 + i * 0.01, -0.05, 0.02, 0], 50),
    );
    const flipped = client("flip", [-0.8, 0.4, -0.2, 0], 500);
    const nan = client("nan", [Number.NaN, 0, 0, 0]);
    const scaled = client("scaled", [20, 0, 0, 0]);
    const { delta, report } = aggregateDeltas(
      [...honest, flipped, nan, scaled],
      OPTIONS,
    );
    expect(report.rule).toBe("trimmed-mean");
    expect(
      report.refused.map((r) => `${r.clientId}:${r.reason}`).sort(),
    ).toEqual(["nan:non_finite", "scaled:norm"]);
    expect(report.trimmedFraction.flip).toBeGreaterThan(0.5);
    // Every coordinate keeps the honest sign.
    expect(delta?.[0]).toBeGreaterThan(0.1);
    expect(delta?.[1]).toBeCloseTo(-0.05, 6);
  });

  it("returns the shared delta when every client sends the same one (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.float({
            min: Math.fround(-0.2),
            max: Math.fround(0.2),
            noNaN: true,
          }),
          {
            minLength: 4,
            maxLength: 4,
          },
        ),
        fc.integer({ min: 1, max: 9 }),
        (values, clients) => {
          const updates = Array.from({ length: clients }, (_, i) =>
            client(`c${i}`, values, 1 + i * 7),
          );
          const { delta } = aggregateDeltas(updates, OPTIONS);
          values.forEach((v, k) =>
            expect(delta?.[k]).toBeCloseTo(Math.fround(v), 5),
          );
        },
      ),
    );
  });

  it("refuses everything without producing a delta when nothing is usable", () => {
    const { delta, report } = aggregateDeltas([client("a", [1, 2])], OPTIONS);
    expect(delta).toBeUndefined();
    expect(report.accepted).toEqual([]);
  });
});

describe("nextClipNorm", () => {
  it("is the median pre-clip norm within bounds, ignoring non-finite reports", () => {
    const bounds = { min: 0.01, max: 10, fallback: 1 };
    expect(nextClipNorm([0.5, 2, 0.7, Number.NaN], bounds)).toBe(0.7);
    expect(nextClipNorm([1e6, 1e6, 1e6], bounds)).toBe(10);
    expect(nextClipNorm([], bounds)).toBe(1);
    expect(l2Norm([3, 4])).toBe(5);
  });
});
