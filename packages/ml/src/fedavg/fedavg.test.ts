import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { clipDelta, federatedAverage } from "./fedavg";
import type { Aggregation, ModelTensors } from "./fedavg";

const AGGREGATIONS: Aggregation[] = [
  { kind: "mean" },
  { kind: "median" },
  { kind: "trimmed-mean", trimFraction: 0.2 },
];
const tensor = fc
  .array(
    fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }),
    { minLength: 1, maxLength: 12 },
  )
  .map((a) => Float32Array.from(a));

const POISON_CASES: { aggregation: Aggregation; expected: number }[] = [
  { aggregation: { kind: "median" }, expected: 1 },
  {
    aggregation: { kind: "trimmed-mean", trimFraction: 0.25 },
    expected: 1,
  },
];

describe("federatedAverage", () => {
  it.each(AGGREGATIONS)(
    "FedAvg of identical models is the identity ($kind, property)",
    (aggregation) => {
      fc.assert(
        fc.property(tensor, fc.integer({ min: 1, max: 7 }), (w, clients) => {
          const model: ModelTensors = { w };
          const updates = Array.from({ length: clients }, (_, i) => ({
            tensors: { w: Float32Array.from(w) },
            sampleCount: i + 1,
          }));
          expect(
            Array.from(
              federatedAverage(model, updates, { aggregation, clipNorm: 1 })
                .w ?? [],
              (v) => v + 0,
            ),
          ).toEqual(Array.from(w, (v) => v + 0));
        }),
      );
    },
  );

  it("clipping bounds every client's pull (property)", () => {
    fc.assert(
      fc.property(
        tensor,
        fc.float({ min: Math.fround(0.01), max: 5, noNaN: true }),
        (w, clipNorm) => {
          const global: ModelTensors = { w: new Float32Array(w.length) };
          const clipped =
            clipDelta(global, { w }, clipNorm).w ?? new Float32Array();
          const norm = Math.sqrt(clipped.reduce((a, v) => a + v * v, 0));
          expect(norm).toBeLessThanOrEqual(clipNorm * (1 + 1e-5) + 1e-6);
        },
      ),
    );
  });

  it.each(POISON_CASES)(
    "ignores one poisoned client with $aggregation.kind",
    ({ aggregation, expected }) => {
      const global = { w: Float32Array.from([0]) };
      const honest = [1, 1, 1].map(() => ({
        tensors: { w: Float32Array.from([1]) },
        sampleCount: 10,
      }));
      const poisoned = {
        tensors: { w: Float32Array.from([1000]) },
        sampleCount: 10,
      };
      expect(
        federatedAverage(global, [...honest, poisoned], {
          aggregation,
          clipNorm: Number.POSITIVE_INFINITY,
        }).w?.[0],
      ).toBeCloseTo(expected, 6);
    },
  );

  it("weights the plain mean by sample count", () => {
    const global = { w: Float32Array.from([0]) };
    const updates = [
      { tensors: { w: Float32Array.from([1]) }, sampleCount: 3 },
      { tensors: { w: Float32Array.from([5]) }, sampleCount: 1 },
    ];
    expect(
      federatedAverage(global, updates, {
        aggregation: { kind: "mean" },
        clipNorm: Number.POSITIVE_INFINITY,
      }).w?.[0],
    ).toBe(2);
  });

  it.each([
    { name: "no clients", updates: [], message: /at least one/ },
    {
      name: "a missing tensor",
      updates: [{ tensors: {}, sampleCount: 1 }],
      message: /lacks tensor w/,
    },
    {
      name: "a wrong length",
      updates: [{ tensors: { w: new Float32Array(2) }, sampleCount: 1 }],
      message: /has 2 values/,
    },
    {
      name: "a NaN weight",
      updates: [
        { tensors: { w: Float32Array.from([Number.NaN]) }, sampleCount: 1 },
      ],
      message: /non-finite/,
    },
    {
      name: "zero samples",
      updates: [{ tensors: { w: new Float32Array(1) }, sampleCount: 0 }],
      message: /sampleCount/,
    },
  ])("rejects $name", ({ updates, message }) => {
    expect(() =>
      federatedAverage({ w: new Float32Array(1) }, updates, {
        aggregation: { kind: "mean" },
        clipNorm: 1,
      }),
    ).toThrow(message);
  });
});
