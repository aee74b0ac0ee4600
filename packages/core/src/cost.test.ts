import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  computeContainerMonthlyCostMicroUsd,
  computeProjectedSavings,
  computeRealizedSavingsMicroUsd,
  computeResourceCostMicroUsd,
  HOURS_PER_MONTH,
} from "./cost";
import { ValidationError } from "./errors";
import {
  DEFAULT_PRICE,
  getResourcePrice,
  PRICE_TABLE,
  splitNodePrice,
} from "./pricing";

const GIB = 2 ** 30;
const resourcesArb = fc.record({
  cpuMillicores: fc.integer({ min: 0, max: 256_000 }),
  memoryBytes: fc.integer({ min: 0, max: 1024 * GIB }),
});
const priceArb = fc.constantFrom(...PRICE_TABLE);

describe("computeResourceCostMicroUsd", () => {
  it.each([
    [{ cpuMillicores: 1000, memoryBytes: 0 }, 1, 31_611],
    [{ cpuMillicores: 0, memoryBytes: GIB }, 1, 4_237],
    [{ cpuMillicores: 500, memoryBytes: 2 * GIB }, 10, 242_795],
    [{ cpuMillicores: 1000, memoryBytes: GIB }, HOURS_PER_MONTH, 26_169_040],
  ])(
    "prices %o for %d h at OpenCost defaults as %d micro-USD",
    (resources, hours, costMicroUsd) => {
      expect(computeResourceCostMicroUsd(resources, DEFAULT_PRICE, hours)).toBe(
        costMicroUsd,
      );
    },
  );

  it.each([
    [{ cpuMillicores: -1, memoryBytes: 0 }, 1],
    [{ cpuMillicores: 0, memoryBytes: Number.NaN }, 1],
    [{ cpuMillicores: 0, memoryBytes: 0 }, -1],
  ])("rejects %o for %d h", (resources, hours) => {
    expect(() =>
      computeResourceCostMicroUsd(resources, DEFAULT_PRICE, hours),
    ).toThrow(ValidationError);
  });
});

describe("OpenCost allocation max(request, usage)", () => {
  it("charges usage above the request", () => {
    const request = { cpuMillicores: 100, memoryBytes: GIB };
    const usage = { cpuMillicores: 1000, memoryBytes: GIB / 2 };
    expect(
      computeContainerMonthlyCostMicroUsd({
        request,
        usage,
        price: DEFAULT_PRICE,
      }),
    ).toBe(
      computeResourceCostMicroUsd(
        { cpuMillicores: 1000, memoryBytes: GIB },
        DEFAULT_PRICE,
        HOURS_PER_MONTH,
      ),
    );
  });

  it("is a non-negative integer and monotone in the request", () => {
    fc.assert(
      fc.property(
        resourcesArb,
        resourcesArb,
        resourcesArb,
        priceArb,
        (request, extra, usage, price) => {
          const bigger = {
            cpuMillicores: request.cpuMillicores + extra.cpuMillicores,
            memoryBytes: request.memoryBytes + extra.memoryBytes,
          };
          const cost = computeContainerMonthlyCostMicroUsd({
            request,
            usage,
            price,
          });
          const biggerCost = computeContainerMonthlyCostMicroUsd({
            request: bigger,
            usage,
            price,
          });
          return Number.isSafeInteger(cost) && cost >= 0 && biggerCost >= cost;
        },
      ),
    );
  });

  it("never charges less than the usage alone", () => {
    fc.assert(
      fc.property(
        resourcesArb,
        resourcesArb,
        priceArb,
        (request, usage, price) => {
          const zero = { cpuMillicores: 0, memoryBytes: 0 };
          return (
            computeContainerMonthlyCostMicroUsd({ request, usage, price }) >=
            computeContainerMonthlyCostMicroUsd({ request: zero, usage, price })
          );
        },
      ),
    );
  });
});

describe("computeProjectedSavings", () => {
  it("savings = before - after, and positive exactly when the allocation shrinks", () => {
    fc.assert(
      fc.property(
        resourcesArb,
        resourcesArb,
        resourcesArb,
        priceArb,
        fc.integer({ min: 1, max: 50 }),
        (current, recommended, usage, price, replicas) => {
          const delta = computeProjectedSavings({
            current,
            recommended,
            usage,
            price,
            replicas,
          });
          const identity =
            delta.savingsMonthlyMicroUsd ===
            delta.beforeMonthlyMicroUsd - delta.afterMonthlyMicroUsd;
          const noChange =
            computeProjectedSavings({
              current,
              recommended: current,
              usage,
              price,
              replicas,
            }).savingsMonthlyMicroUsd === 0;
          return identity && noChange;
        },
      ),
    );
  });

  it("computes a realistic downsizing", () => {
    const delta = computeProjectedSavings({
      current: { cpuMillicores: 2000, memoryBytes: 4 * GIB },
      recommended: { cpuMillicores: 500, memoryBytes: GIB },
      usage: { cpuMillicores: 300, memoryBytes: GIB / 2 },
      price: DEFAULT_PRICE,
      replicas: 3,
    });
    expect(delta).toEqual({
      beforeMonthlyMicroUsd: 175_572_300,
      afterMonthlyMicroUsd: 43_893_075,
      savingsMonthlyMicroUsd: 131_679_225,
    });
  });
});

describe("computeRealizedSavingsMicroUsd", () => {
  const day = (d: number) => new Date(Date.UTC(2026, 10, d));
  it.each([
    [
      "full month in window",
      day(1),
      undefined,
      day(1),
      new Date(day(1).getTime() + HOURS_PER_MONTH * 3_600_000),
      730_000,
    ],
    ["applied before the window", day(1), undefined, day(11), day(21), 240_000],
    ["rolled back after 5 days", day(1), day(6), day(1), day(21), 120_000],
    ["applied in the future", day(25), undefined, day(1), day(21), 0],
  ])("%s", (_name, appliedAt, endedAt, since, now, savingsMicroUsd) => {
    expect(
      computeRealizedSavingsMicroUsd({
        monthlySavingsMicroUsd: 730_000,
        appliedAt,
        endedAt,
        since,
        now,
      }),
    ).toBe(savingsMicroUsd);
  });
});

describe("pricing", () => {
  it("reproduces OpenCost's worked split: 4 vCPU / 16 GiB at $0.192/h", () => {
    const split = splitNodePrice({
      instanceType: "x",
      vcpu: 4,
      memoryGib: 16,
      hourlyMicroUsd: 192_000,
    });
    expect(split.memoryGibHourMicroUsd).toBeCloseTo(4_190, -1);
    expect(split.cpuCoreHourMicroUsd).toBeCloseTo(31_250, -1);
  });

  it("the split adds back up to the node price", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 192 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.integer({ min: 0, max: 50_000_000 }),
        (vcpu, memoryGib, hourlyMicroUsd) => {
          const split = splitNodePrice({
            instanceType: "x",
            vcpu,
            memoryGib,
            hourlyMicroUsd,
          });
          return (
            Math.abs(
              split.cpuCoreHourMicroUsd * vcpu +
                split.memoryGibHourMicroUsd * memoryGib -
                hourlyMicroUsd,
            ) <
            1e-6 * Math.max(1, hourlyMicroUsd)
          );
        },
      ),
    );
  });

  it.each(["custom", "aws", "gcp", "azure"] as const)(
    "has a sourced price for %s",
    (provider) => {
      const price = getResourcePrice(provider);
      expect(price.source).toMatch(/^https:\/\//);
      expect(price.cpuCoreHourMicroUsd).toBeGreaterThan(
        price.memoryGibHourMicroUsd,
      );
    },
  );

  it("rejects an unknown family", () => {
    expect(() => getResourcePrice("aws", "z9")).toThrow(
      /no price for provider aws family z9/,
    );
  });
});
