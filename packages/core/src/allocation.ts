import type { ResourcePrice } from "./pricing";

// Allocation the OpenCost way (notes/peers-and-algorithms.md §4): every container is charged for
// max(request, usage) per resource and interval; idle = capacity - allocation; shared tenants'
// costs can be split over the others. Inputs are core-seconds and byte-seconds; money is applied
// here, once, so every page, export and API total comes out of the same arithmetic.

const SECONDS_PER_HOUR = 3600;
const BYTES_PER_GIB = 2 ** 30;

export type ResourceSeconds = {
  cpuUsageCoreSeconds: number;
  cpuRequestCoreSeconds: number;
  cpuAllocatedCoreSeconds: number;
  memoryUsageByteSeconds: number;
  memoryRequestByteSeconds: number;
  memoryAllocatedByteSeconds: number;
};

export const ZERO_RESOURCE_SECONDS: ResourceSeconds = Object.freeze({
  cpuUsageCoreSeconds: 0,
  cpuRequestCoreSeconds: 0,
  cpuAllocatedCoreSeconds: 0,
  memoryUsageByteSeconds: 0,
  memoryRequestByteSeconds: 0,
  memoryAllocatedByteSeconds: 0,
});

export function addResourceSeconds(
  a: ResourceSeconds,
  b: ResourceSeconds,
): ResourceSeconds {
  return {
    cpuUsageCoreSeconds: a.cpuUsageCoreSeconds + b.cpuUsageCoreSeconds,
    cpuRequestCoreSeconds: a.cpuRequestCoreSeconds + b.cpuRequestCoreSeconds,
    cpuAllocatedCoreSeconds:
      a.cpuAllocatedCoreSeconds + b.cpuAllocatedCoreSeconds,
    memoryUsageByteSeconds: a.memoryUsageByteSeconds + b.memoryUsageByteSeconds,
    memoryRequestByteSeconds:
      a.memoryRequestByteSeconds + b.memoryRequestByteSeconds,
    memoryAllocatedByteSeconds:
      a.memoryAllocatedByteSeconds + b.memoryAllocatedByteSeconds,
  };
}

/** Unrounded costs in micro-USD; round only what is shown (roundCost). */
export type CostBreakdown = {
  cpuMicroUsd: number;
  memoryMicroUsd: number;
  /** Cost of what was used (efficiency numerator). */
  usageMicroUsd: number;
  /** Cost of requests (what the scheduler reserved). */
  requestMicroUsd: number;
  /** Shared tenants' cost assigned to this one. */
  sharedMicroUsd: number;
  /** Idle capacity assigned to this one (shareIdle) or, for the idle row, the idle cost. */
  idleMicroUsd: number;
};

export const ZERO_COST: CostBreakdown = Object.freeze({
  cpuMicroUsd: 0,
  memoryMicroUsd: 0,
  usageMicroUsd: 0,
  requestMicroUsd: 0,
  sharedMicroUsd: 0,
  idleMicroUsd: 0,
});

const cpuCost = (coreSeconds: number, price: ResourcePrice) =>
  (coreSeconds / SECONDS_PER_HOUR) * price.cpuCoreHourMicroUsd;
const memoryCost = (byteSeconds: number, price: ResourcePrice) =>
  (byteSeconds / BYTES_PER_GIB / SECONDS_PER_HOUR) *
  price.memoryGibHourMicroUsd;

export function priceResourceSeconds(
  seconds: ResourceSeconds,
  price: ResourcePrice,
): CostBreakdown {
  return {
    cpuMicroUsd: cpuCost(seconds.cpuAllocatedCoreSeconds, price),
    memoryMicroUsd: memoryCost(seconds.memoryAllocatedByteSeconds, price),
    usageMicroUsd:
      cpuCost(seconds.cpuUsageCoreSeconds, price) +
      memoryCost(seconds.memoryUsageByteSeconds, price),
    requestMicroUsd:
      cpuCost(seconds.cpuRequestCoreSeconds, price) +
      memoryCost(seconds.memoryRequestByteSeconds, price),
    sharedMicroUsd: 0,
    idleMicroUsd: 0,
  };
}

export function totalOf(cost: CostBreakdown): number {
  return (
    cost.cpuMicroUsd +
    cost.memoryMicroUsd +
    cost.sharedMicroUsd +
    cost.idleMicroUsd
  );
}

/** usage cost / allocated cost, 0..1; 0 when nothing was allocated. */
export function efficiencyOf(cost: CostBreakdown): number {
  const allocated = cost.cpuMicroUsd + cost.memoryMicroUsd;
  return allocated > 0 ? Math.min(1, cost.usageMicroUsd / allocated) : 0;
}

export function addCosts(a: CostBreakdown, b: CostBreakdown): CostBreakdown {
  return {
    cpuMicroUsd: a.cpuMicroUsd + b.cpuMicroUsd,
    memoryMicroUsd: a.memoryMicroUsd + b.memoryMicroUsd,
    usageMicroUsd: a.usageMicroUsd + b.usageMicroUsd,
    requestMicroUsd: a.requestMicroUsd + b.requestMicroUsd,
    sharedMicroUsd: a.sharedMicroUsd + b.sharedMicroUsd,
    idleMicroUsd: a.idleMicroUsd + b.idleMicroUsd,
  };
}

export type Capacity = { cpuCoreSeconds: number; memoryByteSeconds: number };

/** Idle = capacity not allocated, per resource, never negative (OpenCost's __idle__). */
export function computeIdleCost(
  capacity: Capacity,
  allocated: ResourceSeconds,
  price: ResourcePrice,
): { cpuMicroUsd: number; memoryMicroUsd: number } {
  return {
    cpuMicroUsd: Math.max(
      0,
      cpuCost(
        capacity.cpuCoreSeconds - allocated.cpuAllocatedCoreSeconds,
        price,
      ),
    ),
    memoryMicroUsd: Math.max(
      0,
      memoryCost(
        capacity.memoryByteSeconds - allocated.memoryAllocatedByteSeconds,
        price,
      ),
    ),
  };
}

export type AllocationGroup<K> = { key: K; cost: CostBreakdown };

/**
 * Moves the cost of the shared groups (e.g. kube-system, monitoring) onto the others, in
 * proportion to each one's own allocated cost ("by request share"), or evenly. The total is kept.
 */
export function distributeSharedCost<K>(
  groups: AllocationGroup<K>[],
  isShared: (key: K) => boolean,
  split: "proportional" | "even",
): AllocationGroup<K>[] {
  const shared = groups.filter((g) => isShared(g.key));
  const tenants = groups.filter((g) => !isShared(g.key));
  const pool = shared.reduce((sum, g) => sum + totalOf(g.cost), 0);
  if (pool === 0 || tenants.length === 0) return groups;
  const weights = tenants.map((g) =>
    split === "even" ? 1 : g.cost.cpuMicroUsd + g.cost.memoryMicroUsd,
  );
  const weightSum = weights.reduce((a, b) => a + b, 0);
  return tenants.map((g, i) => ({
    key: g.key,
    cost: {
      ...g.cost,
      sharedMicroUsd:
        g.cost.sharedMicroUsd +
        pool *
          (weightSum > 0 ? (weights[i] ?? 0) / weightSum : 1 / tenants.length),
    },
  }));
}

/** Spreads idle CPU and memory cost over the groups by their share of each resource (OpenCost shareIdle). */
export function shareIdleCost<K>(
  groups: AllocationGroup<K>[],
  idle: { cpuMicroUsd: number; memoryMicroUsd: number },
): AllocationGroup<K>[] {
  const cpuSum = groups.reduce((sum, g) => sum + g.cost.cpuMicroUsd, 0);
  const memorySum = groups.reduce((sum, g) => sum + g.cost.memoryMicroUsd, 0);
  return groups.map((g) => ({
    key: g.key,
    cost: {
      ...g.cost,
      idleMicroUsd:
        g.cost.idleMicroUsd +
        (cpuSum > 0 ? (idle.cpuMicroUsd * g.cost.cpuMicroUsd) / cpuSum : 0) +
        (memorySum > 0
          ? (idle.memoryMicroUsd * g.cost.memoryMicroUsd) / memorySum
          : 0),
    },
  }));
}

/** Integer micro-USD for display and the wire (half away from zero). */
export function roundCost(costMicroUsd: number): number {
  return Math.sign(costMicroUsd) * Math.round(Math.abs(costMicroUsd));
}
