import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  applyMemoryFloor,
  bumpMemoryAfterOom,
  nextMemoryFloorBytes,
} from "./oom";

const MI = 2 ** 20;

describe("OOM bump (VPA: x1.2, at least +100 MiB)", () => {
  it.each([
    [256 * MI, 356 * MI],
    [1024 * MI, Math.ceil(1024 * MI * 1.2)],
    [1, 1 + 100 * MI],
  ])("bumps %d bytes to %d", (before, after) => {
    expect(nextMemoryFloorBytes(before)).toBe(after);
  });

  it("uses only the ratio for normalized units", () => {
    expect(bumpMemoryAfterOom(0.5, { minBumpBytes: 0 })).toBeCloseTo(0.6);
  });

  it("never lowers a value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), (bytes) => {
        expect(nextMemoryFloorBytes(bytes)).toBeGreaterThan(bytes);
      }),
    );
  });
});

describe("applyMemoryFloor", () => {
  const resources = {
    name: "app",
    requests: { cpuMillicores: 100, memoryBytes: 256 * MI },
    limits: { memoryBytes: 300 * MI },
  };

  it("raises the request and a limit below the floor", () => {
    expect(applyMemoryFloor(resources, 400 * MI)).toEqual({
      name: "app",
      requests: { cpuMillicores: 100, memoryBytes: 400 * MI },
      limits: { memoryBytes: 400 * MI },
    });
  });

  it("keeps a recommendation at or above the floor, and one without a floor", () => {
    expect(applyMemoryFloor(resources, 256 * MI)).toBe(resources);
    expect(applyMemoryFloor(resources, undefined)).toBe(resources);
  });
});
