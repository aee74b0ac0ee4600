import { describe, expect, it } from "vitest";

import { countCadenceMs } from "./count-cadence";

const options = { countEveryMs: 30 * 60_000, pollIntervalMs: 1_000 };

describe("countCadenceMs", () => {
  it("recounts quickly while there is nothing to train on", () => {
    expect(
      countCadenceMs({ trainable: 0, changedAtLastCount: false }, options),
    ).toBe(10_000);
  });

  it("recounts quickly after a count that changed (a history still filling)", () => {
    expect(
      countCadenceMs({ trainable: 3, changedAtLastCount: true }, options),
    ).toBe(10_000);
  });

  it("recounts slowly once two counts in a row agree", () => {
    expect(
      countCadenceMs({ trainable: 16, changedAtLastCount: false }, options),
    ).toBe(30 * 60_000);
  });

  it("never waits longer than a minute for the quick recount, nor longer than the slow one", () => {
    expect(
      countCadenceMs(
        { trainable: 3, changedAtLastCount: true },
        { countEveryMs: 30 * 60_000, pollIntervalMs: 60_000 },
      ),
    ).toBe(60_000);
    expect(
      countCadenceMs(
        { trainable: 0, changedAtLastCount: false },
        { countEveryMs: 5_000, pollIntervalMs: 1_000 },
      ),
    ).toBe(5_000);
  });
});
