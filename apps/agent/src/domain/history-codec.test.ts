import { describe, expect, it } from "vitest";

import {
  decodeSlotRecords,
  encodeSlotRecords,
  toSlotSeries,
} from "./history-codec";
import type { SlotRecord } from "./slot-journal";

const record = (key: string, slot: number, cpu: number): SlotRecord => ({
  key,
  slot,
  cpuMeanCores: cpu,
  cpuMaxCores: cpu * 2,
  memMaxBytes: 1024 * slot,
});

describe("history codec", () => {
  it("round-trips records through day-file appends with per-file key ids", () => {
    const keys = new Map<string, number>();
    const first = encodeSlotRecords(
      [record("ns/pod/a", 10, 0.25), record("ns/pod/b", 10, 0.5)],
      keys,
    );
    const second = encodeSlotRecords([record("ns/pod/a", 11, 0.75)], keys);
    const bytes = new Uint8Array([...first, ...second]);
    const { series, validBytes } = decodeSlotRecords(bytes);
    expect(validBytes).toBe(bytes.length);
    expect(toSlotSeries(series)).toEqual([
      {
        key: "ns/pod/a",
        slots: [10, 11],
        cpuCores: [0.25, 0.75],
        memBytes: [10240, 11264],
      },
      { key: "ns/pod/b", slots: [10], cpuCores: [0.5], memBytes: [10240] },
    ]);
  });

  it("keeps the valid prefix of a torn file", () => {
    const bytes = encodeSlotRecords(
      [record("k", 1, 0.5), record("k", 2, 0.5)],
      new Map(),
    );
    const { series, validBytes } = decodeSlotRecords(
      bytes.subarray(0, bytes.length - 3),
    );
    expect(toSlotSeries(series)[0]?.slots).toEqual([1]);
    expect(validBytes).toBe(bytes.length - 21);
  });

  it("sorts slots and keeps the last record of a slot written twice (after a restart)", () => {
    const columns = new Map([
      ["k", { slots: [5, 3, 5], cpu: [1, 2, 3], mem: [1, 2, 3] }],
    ]);
    expect(toSlotSeries(columns)).toEqual([
      { key: "k", slots: [3, 5], cpuCores: [2, 3], memBytes: [2, 3] },
    ]);
  });
});
