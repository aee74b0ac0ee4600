import { describe, expect, it } from "vitest";

import { createSlotJournal } from "./slot-journal";

const SLOT_MS = 300_000;
const T0 = 1_000 * SLOT_MS;

describe("createSlotJournal", () => {
  it("folds 10 s samples into one record per container and slot once the next slot starts", () => {
    const journal = createSlotJournal();
    for (let i = 0; i < 30; i++)
      journal.add("a", T0 + i * 10_000, {
        cpuCores: i % 2 === 0 ? 0.1 : 0.3,
        memoryBytes: 100 + i,
      });
    expect(journal.takeClosed()).toEqual([]);
    journal.add("a", T0 + SLOT_MS, { cpuCores: 1, memoryBytes: 5 });
    const [closed, ...rest] = journal.takeClosed();
    expect(rest).toEqual([]);
    expect(closed).toMatchObject({
      key: "a",
      slot: 1000,
      cpuMaxCores: 0.3,
      memMaxBytes: 129,
    });
    expect(closed?.cpuMeanCores).toBeCloseTo(0.2, 12);
  });

  it("treats zero memory as missing, drops late samples and closes silent containers", () => {
    const journal = createSlotJournal();
    journal.add("a", T0, { cpuCores: 0.5, memoryBytes: 0 });
    journal.add("b", T0, { cpuCores: Number.NaN, memoryBytes: 7 });
    journal.add("a", T0 + SLOT_MS, { cpuCores: 0.1, memoryBytes: 1 });
    journal.add("a", T0 + 1_000, { cpuCores: 9, memoryBytes: 9 });
    journal.closeStale(1001);
    const closed = journal.takeClosed();
    expect(closed).toHaveLength(2);
    expect(closed[0]).toMatchObject({
      key: "a",
      slot: 1000,
      cpuMeanCores: 0.5,
    });
    expect(closed[0]?.memMaxBytes).toBeNaN();
    expect(closed[1]).toMatchObject({ key: "b", slot: 1000, memMaxBytes: 7 });
    expect(closed[1]?.cpuMeanCores).toBeNaN();
    expect(journal.openContainers()).toBe(1);
  });
});
