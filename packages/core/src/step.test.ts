import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { capStep, findStepViolations } from "./step";

const GI = 2 ** 30;
const MI = 2 ** 20;

describe("step cap", () => {
  const current = {
    requests: { cpuMillicores: 2000, memoryBytes: 8 * GI },
    limits: { memoryBytes: 8 * GI },
  };
  const recommended = {
    requests: { cpuMillicores: 250, memoryBytes: 256 * MI },
    limits: { memoryBytes: 256 * MI },
  };

  it("names every decrease beyond the ratio (8 Gi -> 256 Mi is 32x)", () => {
    expect(findStepViolations(current, recommended, 2)).toEqual([
      {
        field: "requests",
        resource: "cpuMillicores",
        currentValue: 2000,
        recommendedValue: 250,
      },
      {
        field: "requests",
        resource: "memoryBytes",
        currentValue: 8 * GI,
        recommendedValue: 256 * MI,
      },
      {
        field: "limits",
        resource: "memoryBytes",
        currentValue: 8 * GI,
        recommendedValue: 256 * MI,
      },
    ]);
  });

  it("caps decreases at the ratio and never caps increases", () => {
    expect(capStep(current, recommended, 2)).toEqual({
      requests: { cpuMillicores: 1000, memoryBytes: 4 * GI },
      limits: { memoryBytes: 4 * GI },
    });
    const up = { requests: { cpuMillicores: 64_000 }, limits: {} };
    expect(capStep(current, up, 2)).toEqual(up);
    expect(findStepViolations(current, up, 2)).toEqual([]);
  });

  it("a capped step is always within the cap, and never below the recommendation", () => {
    const amounts = fc.record(
      {
        cpuMillicores: fc.integer({ min: 1, max: 100_000 }),
        memoryBytes: fc.integer({ min: 1, max: 2 ** 40 }),
      },
      { requiredKeys: [] },
    );
    const resources = fc.record({ requests: amounts, limits: amounts });
    fc.assert(
      fc.property(
        resources,
        resources,
        fc.double({ min: 1, max: 10, noNaN: true }),
        (from, to, ratio) => {
          const step = capStep(from, to, ratio);
          expect(findStepViolations(from, step, ratio)).toEqual([]);
          for (const field of ["requests", "limits"] as const)
            for (const key of ["cpuMillicores", "memoryBytes"] as const)
              if (to[field][key] !== undefined)
                expect(step[field][key]).toBeGreaterThanOrEqual(to[field][key]);
        },
      ),
    );
  });
});
