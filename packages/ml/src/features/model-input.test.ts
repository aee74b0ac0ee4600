import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  buildModelInput,
  buildTargets,
  FEATURE_COUNT,
  HORIZON_SLOTS,
  INPUT_SLOTS,
  SEQ_HOURS,
  TARGET_CLIP,
} from "./model-input";
import { buildTrainingSamples } from "./training-samples";

function slots(
  n: number,
  at: (k: number) => { cpu: number; mem: number },
): { firstSlot: number; cpuCores: Float64Array; memBytes: Float64Array } {
  return {
    firstSlot: 0,
    cpuCores: Float64Array.from({ length: n }, (_, k) => at(k).cpu),
    memBytes: Float64Array.from({ length: n }, (_, k) => at(k).mem),
  };
}

describe("buildModelInput", () => {
  it("normalises per series: memory by its window peak, CPU by its p95", () => {
    const input = buildModelInput(
      slots(INPUT_SLOTS, (k) => ({ cpu: 2, mem: k < 12 ? 800 : 400 })),
    );
    expect(input?.memRefBytes).toBe(800);
    expect(input?.cpuRefCores).toBe(2);
    expect(input?.features.length).toBe(SEQ_HOURS * FEATURE_COUNT);
    expect(input?.features[0]).toBeCloseTo(Math.log1p(1), 6);
    expect(input?.features[FEATURE_COUNT]).toBeCloseTo(Math.log1p(0.5), 6);
    expect(input?.features[1]).toBeCloseTo(Math.log1p(1), 6);
    expect(input?.features[3]).toBe(1);
  });

  it("is scale-free: the same shape in other units gives the same features", () => {
    const a = buildModelInput(
      slots(INPUT_SLOTS, (k) => ({
        cpu: 1 + Math.sin(k / 10),
        mem: 100 + (k % 50),
      })),
    );
    const b = buildModelInput(
      slots(INPUT_SLOTS, (k) => ({
        cpu: 1000 * (1 + Math.sin(k / 10)),
        mem: 1e6 * (100 + (k % 50)),
      })),
    );
    expect(Array.from(b?.features ?? [])).toEqual(
      Array.from(a?.features ?? []),
    );
  });

  it.each([
    { name: "no memory reading", at: () => ({ cpu: 1, mem: Number.NaN }) },
    {
      name: "too few CPU readings",
      at: (k: number) => ({ cpu: k < 10 ? 1 : Number.NaN, mem: 5 }),
    },
  ])("returns undefined with $name", ({ at }) => {
    expect(buildModelInput(slots(INPUT_SLOTS, at))).toBeUndefined();
  });

  it("calendar columns are sin/cos of each block's midpoint, cached or not (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e7 }), (firstSlot) => {
        const view = {
          ...slots(INPUT_SLOTS, (k) => ({ cpu: 1 + (k % 5), mem: 100 + k })),
          firstSlot,
        };
        const first = buildModelInput(view);
        const again = buildModelInput(view);
        expect(Array.from(again?.features ?? [])).toEqual(
          Array.from(first?.features ?? []),
        );
        for (let b = 0; b < SEQ_HOURS; b++) {
          const midS = (firstSlot + b * 12 + 6) * 300;
          const hour = (2 * Math.PI * (midS % 86_400)) / 86_400;
          const week = (2 * Math.PI * (midS % 604_800)) / 604_800;
          const row = b * FEATURE_COUNT;
          expect(
            Array.from(first?.features.subarray(row + 4, row + 8) ?? []),
          ).toEqual(
            Array.from(
              Float32Array.of(
                Math.sin(hour),
                Math.cos(hour),
                Math.sin(week),
                Math.cos(week),
              ),
            ),
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it("rejects a window of the wrong length", () => {
    expect(() =>
      buildModelInput(slots(10, () => ({ cpu: 1, mem: 1 }))),
    ).toThrow(RangeError);
  });
});

describe("buildTargets", () => {
  it("gives clipped log ratios of tomorrow's memory peak and CPU p95", () => {
    const input = {
      features: new Float32Array(0),
      memRefBytes: 100,
      cpuRefCores: 1,
    };
    expect(
      buildTargets(
        slots(HORIZON_SLOTS, () => ({ cpu: 2, mem: 200 })),
        input,
      ),
    ).toEqual([Math.log(2), Math.log(2)]);
    expect(
      buildTargets(
        slots(HORIZON_SLOTS, () => ({ cpu: 0, mem: 200 })),
        input,
      )?.[1],
    ).toBe(-TARGET_CLIP);
    expect(
      buildTargets(
        slots(HORIZON_SLOTS, () => ({ cpu: Number.NaN, mem: 200 })),
        input,
      ),
    ).toBeUndefined();
  });
});

describe("buildTrainingSamples", () => {
  it("strides through a series and skips windows without enough data", () => {
    const n = INPUT_SLOTS + HORIZON_SLOTS + 288;
    const usage = {
      timestampsS: Float64Array.from({ length: n }, (_, i) => i * 300),
      cpuCores: Float64Array.from({ length: n }, (_, i) => 1 + (i % 7)),
      memBytes: Float64Array.from({ length: n }, (_, i) => 100 + (i % 13)),
    };
    expect(buildTrainingSamples("s", usage, 144).map((s) => s.nowS)).toEqual([
      INPUT_SLOTS * 300,
      (INPUT_SLOTS + 144) * 300,
      (INPUT_SLOTS + 288) * 300,
    ]);
    expect(() => buildTrainingSamples("s", usage, 0)).toThrow(RangeError);
  });
});
