import { describe, expect, it } from "vitest";

import { buildLocalExamples, type SlotSeries } from "./local-data";

const DAY_SLOTS = 288;

function series(key: string, days: number, firstSlot = 1_000_000): SlotSeries {
  const n = days * DAY_SLOTS;
  return {
    key,
    slots: Array.from({ length: n }, (_, i) => firstSlot + i),
    cpuCores: Array.from(
      { length: n },
      (_, i) => 0.2 + 0.1 * Math.sin((2 * Math.PI * i) / DAY_SLOTS),
    ),
    memBytes: Array.from({ length: n }, (_, i) => 1e8 + 1e5 * (i % 50)),
  };
}

const OPTIONS = {
  strideSlots: 36,
  historyDays: 7,
  holdoutHours: 24,
  maxTrainExamples: 10_000,
  seed: 1,
};

describe("buildLocalExamples", () => {
  it("keeps the newest 24 h of targets out of training (validation only)", () => {
    const data = buildLocalExamples([series("a", 6)], OPTIONS);
    const endS = data.endSlot * 300;
    for (const e of data.train)
      expect(e.nowS + 86_400).toBeLessThanOrEqual(endS - 86_400);
    for (const e of data.validation)
      expect(e.nowS + 86_400).toBeGreaterThan(endS - 86_400);
    expect(data.validation.length).toBe(8);
    expect(data.train.length).toBe(data.trainable);
    expect(data.train.length).toBeGreaterThan(0);
  });

  it("needs 48 h input + 24 h target + the holdout before anything is trainable", () => {
    expect(buildLocalExamples([series("a", 3)], OPTIONS).trainable).toBe(0);
    expect(
      buildLocalExamples([series("a", 5)], OPTIONS).trainable,
    ).toBeGreaterThan(0);
  });

  it("subsamples training examples beyond the cap, deterministically", () => {
    const many = [series("a", 12), series("b", 12)];
    const a = buildLocalExamples(many, { ...OPTIONS, maxTrainExamples: 20 });
    const b = buildLocalExamples(many, { ...OPTIONS, maxTrainExamples: 20 });
    expect(a.train).toHaveLength(20);
    expect(a.trainable).toBeGreaterThan(20);
    expect(a.train.map((e) => `${e.seriesId}@${e.nowS}`)).toEqual(
      b.train.map((e) => `${e.seriesId}@${e.nowS}`),
    );
  });

  it("returns nothing for an empty history", () => {
    expect(buildLocalExamples([], OPTIONS)).toMatchObject({
      trainable: 0,
      train: [],
      validation: [],
    });
  });
});
