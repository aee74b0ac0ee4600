import { ValidationError } from "./errors";
import type { ResourcePrice } from "./pricing";

// Money is an integer number of micro-USD held in a JS number: safe up to 2^53 micro-USD
// (~9 billion USD), far above any cluster bill, so bigint is not needed.
export const HOURS_PER_MONTH = 730;
const BYTES_PER_GIB = 2 ** 30;
const SECONDS_PER_HOUR = 3600;

/** CPU and memory both known (a request or a usage figure), as the cost model needs them. */
export type CpuMemoryAmounts = { cpuMillicores: number; memoryBytes: number };

export type CostInput = {
  request: CpuMemoryAmounts;
  usage: CpuMemoryAmounts;
  price: ResourcePrice;
  /** Pods running this container (defaults to 1). */
  replicas?: number;
};

function assertNonNegative(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(
        `${name} must be a finite non-negative number, got ${value}`,
        {
          fieldErrors: { [name]: ["must be a finite non-negative number"] },
        },
      );
    }
  }
}

/** OpenCost allocation: a running container is charged for max(request, usage) of each resource. */
export function allocatedResources(
  request: CpuMemoryAmounts,
  usage: CpuMemoryAmounts,
): CpuMemoryAmounts {
  return {
    cpuMillicores: Math.max(request.cpuMillicores, usage.cpuMillicores),
    memoryBytes: Math.max(request.memoryBytes, usage.memoryBytes),
  };
}

/** Cost of allocated resources over `hours`, rounded to integer micro-USD. */
export function computeResourceCostMicroUsd(
  resources: CpuMemoryAmounts,
  price: ResourcePrice,
  hours: number,
): number {
  assertNonNegative({ ...resources, hours });
  const cpu = (resources.cpuMillicores / 1000) * price.cpuCoreHourMicroUsd;
  const memory =
    (resources.memoryBytes / BYTES_PER_GIB) * price.memoryGibHourMicroUsd;
  return Math.round((cpu + memory) * hours);
}

export function computeContainerHourlyCostMicroUsd({
  request,
  usage,
  price,
  replicas = 1,
}: CostInput): number {
  assertNonNegative({ replicas });
  const allocated = allocatedResources(request, usage);
  return computeResourceCostMicroUsd(allocated, price, 1) * replicas;
}

export function computeContainerMonthlyCostMicroUsd(input: CostInput): number {
  const allocated = allocatedResources(input.request, input.usage);
  return (
    computeResourceCostMicroUsd(allocated, input.price, HOURS_PER_MONTH) *
    (input.replicas ?? 1)
  );
}

export type SavingsInput = {
  current: CpuMemoryAmounts;
  recommended: CpuMemoryAmounts;
  usage: CpuMemoryAmounts;
  price: ResourcePrice;
  replicas?: number;
};

export type CostDelta = {
  beforeMonthlyMicroUsd: number;
  afterMonthlyMicroUsd: number;
  savingsMonthlyMicroUsd: number;
};

/** Monthly cost before and after a recommendation; negative savings mean the change costs more. */
export function computeProjectedSavings({
  current,
  recommended,
  usage,
  price,
  replicas,
}: SavingsInput): CostDelta {
  const beforeMonthlyMicroUsd = computeContainerMonthlyCostMicroUsd({
    request: current,
    usage,
    price,
    replicas,
  });
  const afterMonthlyMicroUsd = computeContainerMonthlyCostMicroUsd({
    request: recommended,
    usage,
    price,
    replicas,
  });
  return {
    beforeMonthlyMicroUsd,
    afterMonthlyMicroUsd,
    savingsMonthlyMicroUsd: beforeMonthlyMicroUsd - afterMonthlyMicroUsd,
  };
}

export type RealizedSavingsInput = {
  monthlySavingsMicroUsd: number;
  appliedAt: Date;
  /** When the change stopped being in force (rollback); undefined while it still is. */
  endedAt?: Date | undefined;
  since: Date;
  now: Date;
};

/** Savings accrued by an applied change inside [since, now], pro rata per second. */
export function computeRealizedSavingsMicroUsd({
  monthlySavingsMicroUsd,
  appliedAt,
  endedAt,
  since,
  now,
}: RealizedSavingsInput): number {
  const start = Math.max(appliedAt.getTime(), since.getTime());
  const end = Math.min(endedAt?.getTime() ?? now.getTime(), now.getTime());
  if (end <= start) return 0;
  const hours = (end - start) / 1000 / SECONDS_PER_HOUR;
  return Math.round((monthlySavingsMicroUsd / HOURS_PER_MONTH) * hours);
}
