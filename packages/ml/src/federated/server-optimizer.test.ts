import { describe, expect, it } from "vitest";

import { applyServerUpdate, PLAIN_FEDAVG } from "./server-optimizer";

describe("applyServerUpdate", () => {
  it("is base + delta with learning rate 1 and no momentum (FedAvg)", () => {
    const { params, state } = applyServerUpdate(
      [1, 2, 3],
      Float32Array.from([0.5, -0.5, 0]),
      PLAIN_FEDAVG,
      undefined,
    );
    expect([...params]).toEqual([1.5, 1.5, 3]);
    expect([...state.momentum]).toEqual([0.5, -0.5, 0]);
  });

  it("carries momentum from the base version's state (FedAvgM)", () => {
    const settings = { learningRate: 0.5, momentum: 0.9 };
    const first = applyServerUpdate([0, 0], [1, -1], settings, undefined);
    expect([...first.params]).toEqual([0.5, -0.5]);
    const second = applyServerUpdate(
      first.params,
      [1, 1],
      settings,
      first.state,
    );
    // m = 0.9 * [1, -1] + [1, 1] = [1.9, 0.1]; w = [0.5, -0.5] + 0.5 m
    expect(second.params[0]).toBeCloseTo(1.45, 6);
    expect(second.params[1]).toBeCloseTo(-0.45, 6);
  });

  it("starts a fresh buffer when the stored state has another shape", () => {
    const { params } = applyServerUpdate(
      [0, 0],
      [1, 1],
      { learningRate: 1, momentum: 0.9 },
      { momentum: Float32Array.from([5, 5, 5]) },
    );
    expect([...params]).toEqual([1, 1]);
  });

  it("FedAdam steps by m / (sqrt(v) + tau) and carries both buffers", () => {
    const settings = {
      learningRate: 0.1,
      momentum: 0.9,
      adam: { beta2: 0.99, tau: 1e-3 },
    };
    const first = applyServerUpdate([0, 0], [0.2, -0.01], settings, undefined);
    // m = 0.1 d, v = 0.01 d^2: the step is 0.1 * 0.1 d / (0.1 |d| + tau), nearly a sign step
    expect(first.params[0]).toBeCloseTo((0.1 * 0.02) / (0.02 + 1e-3), 9);
    expect(first.params[1]).toBeCloseTo((0.1 * -0.001) / (0.001 + 1e-3), 9);
    const second = applyServerUpdate(
      first.params,
      [0.2, -0.01],
      settings,
      first.state,
    );
    const m = 0.9 * 0.02 + 0.1 * 0.2;
    const v = 0.99 * 0.01 * 0.04 + 0.01 * 0.04;
    expect(second.params[0]).toBeCloseTo(
      (first.params[0] ?? 0) + (0.1 * m) / (Math.sqrt(v) + 1e-3),
      6,
    );
    const again = applyServerUpdate(
      first.params,
      [0.2, -0.01],
      settings,
      first.state,
    );
    expect([...again.params]).toEqual([...second.params]);
    expect(() =>
      applyServerUpdate(
        [0],
        [1],
        { ...settings, adam: { beta2: 1, tau: 1e-3 } },
        undefined,
      ),
    ).toThrow(RangeError);
    expect(() =>
      applyServerUpdate(
        [0],
        [1],
        { ...settings, adam: { beta2: 0.9, tau: 0 } },
        undefined,
      ),
    ).toThrow(RangeError);
  });

  it("refuses a mis-shaped delta and out-of-range settings", () => {
    expect(() =>
      applyServerUpdate([0, 0], [1], PLAIN_FEDAVG, undefined),
    ).toThrow(RangeError);
    expect(() =>
      applyServerUpdate([0], [1], { learningRate: 1, momentum: 1 }, undefined),
    ).toThrow(RangeError);
    expect(() =>
      applyServerUpdate([0], [1], { learningRate: 0, momentum: 0 }, undefined),
    ).toThrow(RangeError);
  });
});
