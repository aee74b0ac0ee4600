import { describe, expect, it } from "vitest";

import { materialChanges, supersedeDecision } from "./materiality";

const MIB = 1024 * 1024;
const values = (o: Partial<Parameters<typeof materialChanges>[0]> = {}) => ({
  cpuRequestMillicores: 500,
  cpuLimitMillicores: null,
  memoryRequestBytes: 512 * MIB,
  memoryLimitBytes: 1024 * MIB,
  confidence: 0.95,
  ...o,
});

describe("materialChanges", () => {
  it("ignores small moves and names material ones per resource", () => {
    expect(
      materialChanges(values(), values({ cpuRequestMillicores: 560 })),
    ).toEqual([]);
    expect(
      materialChanges(values(), values({ cpuRequestMillicores: 600 })),
    ).toEqual(["CPU request 500m -> 600m"]);
    expect(
      materialChanges(values(), values({ memoryLimitBytes: 1200 * MIB })),
    ).toEqual(["memory limit 1024 MiB -> 1200 MiB"]);
  });

  it("needs a larger step down than up (hysteresis) and a least absolute change", () => {
    // -20 % CPU is not enough to lower (25 %), +20 % is enough to raise (15 %).
    expect(
      materialChanges(values(), values({ cpuRequestMillicores: 400 })),
    ).toEqual([]);
    expect(
      materialChanges(values({ cpuRequestMillicores: 400 }), values()),
    ).toHaveLength(1);
    // +50 % of 10 millicores is below the 20 m floor.
    expect(
      materialChanges(
        values({ cpuRequestMillicores: 10 }),
        values({ cpuRequestMillicores: 15 }),
      ),
    ).toEqual([]);
    expect(
      materialChanges(values(), values({ cpuLimitMillicores: 900 })),
    ).toEqual(["CPU limit none -> 900m"]);
  });
});

describe("supersedeDecision", () => {
  const base = { ...values(), policy: "kubewise" };
  it("replaces on a policy change, a material change or a crossed auto-apply threshold only", () => {
    expect(
      supersedeDecision({
        previous: base,
        next: { ...base, cpuRequestMillicores: 520 },
        autoApplyMinConfidence: 0.9,
      }),
    ).toEqual({ replace: false, reason: "no material change" });
    expect(
      supersedeDecision({
        previous: base,
        next: { ...base, policy: "vpa" },
        autoApplyMinConfidence: null,
      }).reason,
    ).toBe("policy kubewise -> vpa");
    const crossed = supersedeDecision({
      previous: { ...base, confidence: 0.89 },
      next: { ...base, confidence: 0.91 },
      autoApplyMinConfidence: 0.9,
    });
    expect(crossed.replace).toBe(true);
    expect(crossed.reason).toMatch(/crosses the auto-apply threshold 90 %/);
    expect(
      supersedeDecision({
        previous: { ...base, confidence: 0.89 },
        next: { ...base, confidence: 0.91 },
        autoApplyMinConfidence: null,
      }).replace,
    ).toBe(false);
  });
});
