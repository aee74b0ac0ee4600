import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  computeIdleCost,
  distributeSharedCost,
  efficiencyOf,
  priceResourceSeconds,
  shareIdleCost,
  totalOf,
  ZERO_COST,
  ZERO_RESOURCE_SECONDS,
  type AllocationGroup,
} from "./allocation";
import { DEFAULT_PRICE } from "./pricing";

const GIB = 2 ** 30;
const HOUR = 3600;

describe("priceResourceSeconds", () => {
  it("charges max(request, usage) core-hours and GiB-hours at the price", () => {
    const cost = priceResourceSeconds(
      {
        cpuUsageCoreSeconds: 0.2 * HOUR,
        cpuRequestCoreSeconds: 1 * HOUR,
        cpuAllocatedCoreSeconds: 1 * HOUR,
        memoryUsageByteSeconds: 0.5 * GIB * HOUR,
        memoryRequestByteSeconds: 2 * GIB * HOUR,
        memoryAllocatedByteSeconds: 2 * GIB * HOUR,
      },
      DEFAULT_PRICE,
    );
    expect(cost.cpuMicroUsd).toBeCloseTo(31_611, 6);
    expect(cost.memoryMicroUsd).toBeCloseTo(2 * 4_237, 6);
    expect(cost.usageMicroUsd).toBeCloseTo(0.2 * 31_611 + 0.5 * 4_237, 6);
    expect(efficiencyOf(cost)).toBeCloseTo(
      (0.2 * 31_611 + 0.5 * 4_237) / (31_611 + 2 * 4_237),
      9,
    );
  });
});

describe("computeIdleCost", () => {
  it("prices capacity not allocated, never below zero", () => {
    const idle = computeIdleCost(
      { cpuCoreSeconds: 4 * HOUR, memoryByteSeconds: 8 * GIB * HOUR },
      {
        ...ZERO_RESOURCE_SECONDS,
        cpuAllocatedCoreSeconds: 1 * HOUR,
        memoryAllocatedByteSeconds: 10 * GIB * HOUR,
      },
      DEFAULT_PRICE,
    );
    expect(idle.cpuMicroUsd).toBeCloseTo(3 * 31_611, 6);
    expect(idle.memoryMicroUsd).toBe(0);
  });
});

const groupsArb = fc.array(
  fc.record({
    key: fc.string({ maxLength: 6 }),
    cpu: fc.double({ min: 0, max: 1e9, noNaN: true }),
    memory: fc.double({ min: 0, max: 1e9, noNaN: true }),
  }),
  { minLength: 1, maxLength: 12 },
);
const toGroups = (
  rows: { key: string; cpu: number; memory: number }[],
): AllocationGroup<string>[] =>
  rows.map((r, i) => ({
    key: `${r.key}-${i}`,
    cost: { ...ZERO_COST, cpuMicroUsd: r.cpu, memoryMicroUsd: r.memory },
  }));
const sum = (groups: AllocationGroup<string>[]) =>
  groups.reduce((total, g) => total + totalOf(g.cost), 0);

describe("shared and idle cost", () => {
  it("moving shared tenants' cost onto the others keeps the total", () => {
    fc.assert(
      fc.property(groupsArb, fc.boolean(), (rows, even) => {
        const groups = toGroups(rows);
        const isShared = (key: string) => key.startsWith("a");
        const out = distributeSharedCost(
          groups,
          isShared,
          even ? "even" : "proportional",
        );
        const hasTenants = groups.some((g) => !isShared(g.key));
        if (hasTenants) expect(out.every((g) => !isShared(g.key))).toBe(true);
        expect(sum(out)).toBeCloseTo(sum(groups), 0);
      }),
    );
  });

  it("splits shared cost by each tenant's allocated cost", () => {
    const out = distributeSharedCost(
      [
        { key: "kube-system", cost: { ...ZERO_COST, cpuMicroUsd: 30 } },
        { key: "shop", cost: { ...ZERO_COST, cpuMicroUsd: 100 } },
        { key: "payments", cost: { ...ZERO_COST, memoryMicroUsd: 200 } },
      ],
      (key) => key === "kube-system",
      "proportional",
    );
    expect(out.map((g) => [g.key, g.cost.sharedMicroUsd])).toEqual([
      ["shop", 10],
      ["payments", 20],
    ]);
  });

  it("sharing idle adds exactly the idle cost", () => {
    fc.assert(
      fc.property(
        groupsArb,
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (rows, idleCpu, idleMemory) => {
          const groups = toGroups(rows);
          const out = shareIdleCost(groups, {
            cpuMicroUsd: idleCpu,
            memoryMicroUsd: idleMemory,
          });
          const cpuSum = groups.reduce((s, g) => s + g.cost.cpuMicroUsd, 0);
          const memSum = groups.reduce((s, g) => s + g.cost.memoryMicroUsd, 0);
          const expected =
            sum(groups) +
            (cpuSum > 0 ? idleCpu : 0) +
            (memSum > 0 ? idleMemory : 0);
          expect(sum(out)).toBeCloseTo(expected, 0);
        },
      ),
    );
  });
});
