import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ValidationError } from "./errors";
import {
  assertLimitsCoverRequests,
  fromNullableAmounts,
  fromResourceQuantities,
  isSameResources,
  toNullableAmounts,
  toResourceQuantities,
  type ResourceAmounts,
} from "./resources";

const amounts = fc.record(
  {
    cpuMillicores: fc.integer({ min: 1, max: 256_000 }),
    memoryBytes: fc.integer({ min: 1, max: 2 ** 44 }),
  },
  { requiredKeys: [] },
);

describe("container resources", () => {
  it("round-trips nullable columns and quantities without changing a value", () => {
    fc.assert(
      fc.property(amounts, (a: ResourceAmounts) => {
        expect(fromNullableAmounts(toNullableAmounts(a))).toEqual(a);
        expect(fromResourceQuantities(toResourceQuantities(a))).toEqual(a);
      }),
    );
  });

  it("says 'not set' with an absent key only: never null, never 0", () => {
    expect(
      fromNullableAmounts({ cpuMillicores: null, memoryBytes: 512 }),
    ).toStrictEqual({ memoryBytes: 512 });
    expect(toResourceQuantities({})).toStrictEqual({});
    expect(
      fromResourceQuantities({ cpu: "250m", "nvidia.com/gpu": "1" }),
    ).toStrictEqual({ cpuMillicores: 250 });
  });

  it("compares requests and limits", () => {
    const a = { requests: { cpuMillicores: 1 }, limits: {} };
    expect(isSameResources(a, structuredClone(a))).toBe(true);
    expect(isSameResources(a, { ...a, limits: { cpuMillicores: 1 } })).toBe(
      false,
    );
  });

  it.each([
    [{ cpuMillicores: 100 }, { cpuMillicores: 50 }],
    [{ memoryBytes: 100 }, { memoryBytes: 99 }],
  ])("refuses a limit below its request (%j > %j)", (requests, limits) => {
    expect(() =>
      assertLimitsCoverRequests({ name: "app", requests, limits }),
    ).toThrow(ValidationError);
  });
});
