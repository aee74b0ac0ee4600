import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  checkCpuSpike,
  checkMemoryLeak,
  type ContainerWindow,
} from "./anomaly-checks";
import { createSlotRing, RING_SLOTS, slotOfMs } from "./slot-ring";

const STEP_MS = 300_000;
const START_MS = Date.UTC(2026, 10, 20);

function windowOf(
  steps: number,
  value: (step: number) => { cpu: number; memoryBytes: number },
): ContainerWindow {
  const ring = createSlotRing();
  for (let s = 0; s < steps; s++) {
    const { cpu, memoryBytes } = value(s);
    ring.add(START_MS + s * STEP_MS, cpu, memoryBytes);
  }
  const newest = ring.newestSlot() ?? 0;
  return {
    view: ring.view(newest + 1),
    memoryLimitBytes: 0,
    nowMs: START_MS + (steps - 1) * STEP_MS,
  };
}

const noisy = (s: number) => 0.2 + 0.02 * Math.sin(s * 1.7);

describe("checkCpuSpike", () => {
  it.each([
    ["a 10x burst in the last hour", 2.0, true],
    ["a 10 % bump", 0.22, false],
  ])(
    "on two days of steady CPU, %s (%s cores) flags: %s",
    (_name, burst, flagged) => {
      const steps = 2 * 288;
      const window = windowOf(steps, (s) => ({
        cpu: s === steps - 3 ? burst : noisy(s),
        memoryBytes: 1e8,
      }));
      const finding = checkCpuSpike(window);
      expect(finding !== undefined).toBe(flagged);
      if (finding) {
        expect(finding.kind).toBe("cpu_spike");
        expect(finding.details.peak_cores).toBeCloseTo(burst, 5);
        expect(finding.detectedAtMs).toBe(START_MS + (steps - 3) * STEP_MS);
      }
    },
  );
});

describe("checkMemoryLeak", () => {
  it("needs half a window of history before it judges", () => {
    const window = windowOf(24, (s) => ({
      cpu: 0.1,
      memoryBytes: 1e8 + s * 1e7,
    }));
    expect(checkMemoryLeak(window)).toBeUndefined();
  });
});

describe("createSlotRing", () => {
  it("keeps the last RING_SLOTS slots, folding CPU mean/max and memory peak per slot", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 8, noNaN: true }),
            fc.integer({ min: 1, max: 2 ** 40 }),
          ),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.integer({ min: 0, max: 3 * RING_SLOTS }),
        (readings, offsetSlots) => {
          const ring = createSlotRing();
          const baseMs = START_MS + offsetSlots * STEP_MS;
          readings.forEach(([cpu, mem], i) =>
            ring.add(baseMs + i * 1000, cpu, mem),
          );
          const slot = slotOfMs(baseMs + (readings.length - 1) * 1000);
          const view = ring.view(slot + 1);
          const last = RING_SLOTS - 1;
          const inSlot = readings.filter(
            (_, i) => slotOfMs(baseMs + i * 1000) === slot,
          );
          const cpus = inSlot.map(([c]) => c);
          expect(view.cpuCores[last]).toBeCloseTo(
            cpus.reduce((a, b) => a + b, 0) / cpus.length,
            4,
          );
          expect(view.cpuMax[last]).toBeCloseTo(Math.max(...cpus), 4);
          expect(view.memBytes[last]).toBeCloseTo(
            Math.max(...inSlot.map(([, m]) => m)),
            -6,
          );
          expect(view.cpuCores.length).toBe(RING_SLOTS);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("forgets slots older than the ring after it wraps", () => {
    const ring = createSlotRing();
    ring.add(START_MS, 1, 1e9);
    ring.add(START_MS + RING_SLOTS * STEP_MS, 0.5, 2e8);
    const view = ring.view(slotOfMs(START_MS) + RING_SLOTS + 1);
    expect(Array.from(view.cpuCores.filter(Number.isFinite))).toEqual([0.5]);
  });
});
