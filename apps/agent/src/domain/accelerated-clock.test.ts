import { describe, expect, it } from "vitest";

import { createAcceleratedClock, stepsBetween } from "./accelerated-clock";

describe("accelerated clock", () => {
  const clock = createAcceleratedClock({
    wallStartMs: 1_000_000,
    simStartMs: 0,
    speed: 100,
  });
  it.each([
    [1_000_000, 0],
    [1_000_010, 1_000],
    [1_005_000, 500_000],
    // caught up with the wall clock: never in the future
    [1_100_000, 1_100_000],
  ])("at wall %i simulates %i", (wall, sim) => {
    expect(clock.simNowMs(wall)).toBe(sim);
  });

  it("rejects a speed below 1", () => {
    expect(() =>
      createAcceleratedClock({ wallStartMs: 0, simStartMs: 0, speed: 0.5 }),
    ).toThrow(/speed/);
  });

  it.each([
    [0, 30, 10, 10, [10, 20, 30]],
    [5, 30, 10, 10, [10, 20, 30]],
    [10, 19, 10, 10, []],
    [0, 100, 10, 2, [10, 20]],
  ])(
    "steps in (%i, %i] by %i (limit %i)",
    (from, to, step, limit, expected) => {
      expect(
        stepsBetween({ fromMs: from, toMs: to, stepMs: step, limit }),
      ).toEqual(expected);
    },
  );
});
