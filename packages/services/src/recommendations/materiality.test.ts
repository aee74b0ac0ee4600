import { describe, expect, it } from "vitest";

import { supersedeDecision, toPublishableValues } from "./materiality";

const MIB = 1024 * 1024;
const values = (
  o: Partial<Parameters<typeof toPublishableValues>[0]> & {
    policy?: string;
  } = {},
) => ({
  cpuRequestMillicores: 500,
  cpuLimitMillicores: null,
  memoryRequestBytes: 512 * MIB,
  memoryLimitBytes: 1024 * MIB,
  confidence: 0.95,
  timeWindows: [],
  policy: "kubewise",
  ...o,
});

describe("toPublishableValues", () => {
  it("reads stored millicores and windows into the rule's cores", () => {
    expect(
      toPublishableValues(
        values({
          cpuLimitMillicores: 900,
          timeWindows: [
            {
              name: "peak",
              cpuTargetMillicores: 1200,
              memoryTargetBytes: 512 * MIB,
            },
          ],
        }),
      ),
    ).toEqual({
      base: {
        cpuRequestCores: 0.5,
        cpuLimitCores: 0.9,
        memRequestBytes: 512 * MIB,
        memLimitBytes: 1024 * MIB,
      },
      windows: [
        { name: "peak", cpuRequestCores: 1.2, memRequestBytes: 512 * MIB },
      ],
      confidence: 0.95,
    });
  });
});

describe("supersedeDecision", () => {
  const decide = (
    previous: ReturnType<typeof values>,
    next: ReturnType<typeof values>,
    o: { now?: number | null; threshold?: number | null } = {},
  ) =>
    supersedeDecision({
      previous,
      next,
      previousNow:
        o.now === undefined || o.now === null
          ? null
          : { confidence: o.now, factors: [] },
      autoApplyMinConfidence: o.threshold ?? null,
    });

  it("replaces on a policy change and on what the shared rule calls material", () => {
    expect(decide(values(), values({ cpuRequestMillicores: 520 }))).toEqual({
      publish: false,
      changes: [],
      reason: "no material change",
    });
    expect(decide(values(), values({ policy: "vpa" })).reason).toBe(
      "policy kubewise -> vpa",
    );
    expect(
      decide(values(), values({ memoryLimitBytes: 1400 * MIB })).reason,
    ).toBe("memory limit 1024 MiB -> 1400 MiB");
  });

  it("publishes when the open values' confidence today fell below the fresh one's", () => {
    const next = values({ memoryLimitBytes: 1050 * MIB, confidence: 0.97 });
    expect(decide(values(), next, { now: 0.968 }).publish).toBe(false);
    expect(decide(values(), next, { now: 0.9 }).publish).toBe(true);
  });

  it("keeps a memory value that costs next to nothing more to keep (the recommender's regret)", () => {
    const next = values({ memoryLimitBytes: 700 * MIB });
    const restated = (memoryRegret: number) =>
      supersedeDecision({
        previous: values(),
        next,
        previousNow: { confidence: 0.95, factors: [], memoryRegret },
        autoApplyMinConfidence: null,
      });
    expect(decide(values(), next).publish).toBe(true);
    expect(restated(0.001).publish).toBe(false);
    expect(restated(0.2).reason).toBe("memory limit 1024 MiB -> 700 MiB");
  });

  it("keeps a CPU request that costs next to nothing more to keep (the recommender's regret)", () => {
    const next = values({ cpuRequestMillicores: 900 });
    const restated = (cpuRegret: number) =>
      supersedeDecision({
        previous: values(),
        next,
        previousNow: { confidence: 0.95, factors: [], cpuRegret },
        autoApplyMinConfidence: null,
      });
    expect(decide(values(), next).publish).toBe(true);
    expect(restated(0.001).publish).toBe(false);
    expect(restated(5).reason).toBe("CPU request 500m -> 900m");
  });

  it("publishes a confidence that crosses the auto-apply threshold, only when auto-apply is on", () => {
    const before = values({ confidence: 0.89 });
    const after = values({ confidence: 0.905 });
    expect(decide(before, after, { threshold: 0.9 }).reason).toMatch(
      /crosses the auto-apply threshold 90 %/,
    );
    expect(decide(before, after).publish).toBe(false);
  });
});
