import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { createSlotHistory, SLOT_SECONDS } from "./slot-history";

describe("createSlotHistory", () => {
  it("folds samples into 5-min slots: CPU mean, memory peak", () => {
    const h = createSlotHistory({ retentionSlots: 10 });
    h.add(3000, 1, 100);
    h.add(3010, 3, 300);
    h.add(3300, 5, 200);
    const v = h.view(10, 12);
    expect(Array.from(v.cpuCores)).toEqual([2, 5]);
    expect(Array.from(v.memBytes)).toEqual([300, 200]);
    expect(h.startSlot()).toBe(10);
    expect(h.endSlot()).toBe(12);
  });

  it.each([
    { name: "NaN CPU and memory", cpu: Number.NaN, mem: Number.NaN },
    { name: "negative CPU, zero memory", cpu: -1, mem: 0 },
    {
      name: "infinite values",
      cpu: Number.POSITIVE_INFINITY,
      mem: Number.NEGATIVE_INFINITY,
    },
  ])("treats $name as missing", ({ cpu, mem }) => {
    const h = createSlotHistory({ retentionSlots: 10 });
    h.add(0, cpu, mem);
    expect(h.endSlot()).toBeUndefined();
    const v = h.view(0, 1);
    expect(Number.isNaN(v.cpuCores[0])).toBe(true);
    expect(Number.isNaN(v.memBytes[0])).toBe(true);
  });

  it("keeps only the retention window and answers NaN outside it", () => {
    const h = createSlotHistory({ retentionSlots: 4 });
    for (let slot = 0; slot < 20; slot++)
      h.add(slot * SLOT_SECONDS, slot, slot + 1);
    const v = h.view(14, 22);
    expect(Array.from(v.cpuCores.slice(2, 6))).toEqual([16, 17, 18, 19]);
    expect(v.cpuCores.slice(6).every(Number.isNaN)).toBe(true);
    expect(h.view(0, 5).cpuCores.every(Number.isNaN)).toBe(true);
  });

  it("accepts unsorted samples within the retained range", () => {
    const h = createSlotHistory({ retentionSlots: 100, backfillSlots: 50 });
    h.add(10 * SLOT_SECONDS, 1, 10);
    h.add(5 * SLOT_SECONDS, 2, 20);
    expect(h.view(5, 6).cpuCores[0]).toBe(2);
    expect(h.startSlot()).toBe(5);
  });

  it("matches a naive per-slot fold for any sample order (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 40 }),
            fc.double({ min: 0, max: 8, noNaN: true }),
            fc.double({ min: 1, max: 1e9, noNaN: true }),
          ),
          { minLength: 1, maxLength: 60 },
        ),
        (samples) => {
          const h = createSlotHistory({
            retentionSlots: 64,
            backfillSlots: 64,
          });
          for (const [slot, cpu, mem] of samples)
            h.add(slot * SLOT_SECONDS + 7, cpu, mem);
          const v = h.view(0, 41);
          for (let slot = 0; slot <= 40; slot++) {
            const inSlot = samples.filter(([s]) => s === slot);
            if (inSlot.length === 0) continue;
            const mean = inSlot.reduce((a, [, c]) => a + c, 0) / inSlot.length;
            expect(v.cpuCores[slot]).toBeCloseTo(mean, 9);
            expect(v.memBytes[slot]).toBe(
              Math.max(...inSlot.map(([, , m]) => m)),
            );
          }
        },
      ),
    );
  });

  it("views equal a per-slot fold exactly, across buffer shifts and out-of-range windows (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 120 }),
            fc.oneof(
              fc.double({ min: 0, max: 8, noNaN: true }),
              fc.constant(Number.NaN),
            ),
            fc.oneof(
              fc.double({ min: 0, max: 1e9, noNaN: true }),
              fc.constant(0),
            ),
          ),
          { minLength: 1, maxLength: 200 },
        ),
        fc.integer({ min: -20, max: 130 }),
        fc.integer({ min: 0, max: 60 }),
        (samples, from, length) => {
          const h = createSlotHistory({ retentionSlots: 16, backfillSlots: 4 });
          // Reference: replay the same rules on a plain map, then forget slots the buffer dropped.
          const folded = new Map<
            number,
            { sum: number; n: number; mem: number }
          >();
          let base: number | undefined;
          for (const [slot, cpu, mem] of samples) {
            h.add(slot * SLOT_SECONDS + 1, cpu, mem);
            const hasCpu = Number.isFinite(cpu);
            const hasMem = mem > 0;
            if (!hasCpu && !hasMem) continue;
            base ??= slot - 4;
            // Capacity is retention + slack (16 + 12); a shift keeps the last 16 slots.
            if (slot >= base + 28) base = slot - 15;
            if (slot < base) continue;
            for (const key of folded.keys()) if (key < base) folded.delete(key);
            const f = folded.get(slot) ?? { sum: 0, n: 0, mem: Number.NaN };
            if (hasCpu) {
              f.sum += cpu;
              f.n++;
            }
            if (hasMem && !(f.mem >= mem)) f.mem = mem;
            folded.set(slot, f);
          }
          const v = h.view(from, from + length);
          const f = (
            slot: number,
          ): { sum: number; n: number; mem: number } | undefined =>
            folded.get(slot);
          expect(Array.from(v.cpuCores)).toEqual(
            Array.from({ length }, (_, k) => {
              const e = f(from + k);
              return e && e.n > 0 ? e.sum / e.n : Number.NaN;
            }),
          );
          expect(Array.from(v.memBytes)).toEqual(
            Array.from({ length }, (_, k) => f(from + k)?.mem ?? Number.NaN),
          );
        },
      ),
    );
  });
});
