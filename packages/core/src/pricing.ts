import { NotFoundError, ValidationError } from "./errors";

export const PRICING_PROVIDERS = ["custom", "aws", "gcp", "azure"] as const;
export type PricingProvider = (typeof PRICING_PROVIDERS)[number];

/**
 * Hourly rates in micro-USD. Rates may be fractional (they are derived by division); only money
 * amounts computed from them are rounded to integer micro-USD. Memory is priced per GiB (2^30 B),
 * the unit OpenCost and the cloud price pages use for "GB".
 */
export type ResourcePrice = {
  provider: PricingProvider;
  family: string;
  region: string;
  cpuCoreHourMicroUsd: number;
  memoryGibHourMicroUsd: number;
  source: string;
};

export type NodeListPrice = {
  instanceType: string;
  vcpu: number;
  memoryGib: number;
  hourlyMicroUsd: number;
};

// OpenCost configs/default.json ("Default prices based on GCP us-central1"), opencost @ 5f653330,
// read 2026-11 (notes/peers-and-algorithms.md §4.2): CPU 0.031611 $/core-h, RAM 0.004237 $/GB-h.
const OPENCOST_DEFAULT_CPU_CORE_HOUR_MICRO_USD = 31_611;
const OPENCOST_DEFAULT_MEMORY_GIB_HOUR_MICRO_USD = 4_237;

/**
 * OpenCost's split of a node price into CPU and RAM rates (pkg/costmodel/costmodel.go): RAM and
 * CPU keep the default price ratio and are scaled so vcpu x cpu + GiB x ram equals the node price.
 */
export function splitNodePrice(node: NodeListPrice): {
  cpuCoreHourMicroUsd: number;
  memoryGibHourMicroUsd: number;
} {
  if (
    !(node.vcpu > 0) ||
    !(node.memoryGib > 0) ||
    !(node.hourlyMicroUsd >= 0)
  ) {
    throw new ValidationError(
      `node ${node.instanceType} needs positive vcpu and memory and a non-negative price`,
    );
  }
  const cpuToRamRatio =
    OPENCOST_DEFAULT_CPU_CORE_HOUR_MICRO_USD /
    OPENCOST_DEFAULT_MEMORY_GIB_HOUR_MICRO_USD;
  const memoryGibHourMicroUsd =
    node.hourlyMicroUsd / (node.vcpu * cpuToRamRatio + node.memoryGib);
  return {
    cpuCoreHourMicroUsd: memoryGibHourMicroUsd * cpuToRamRatio,
    memoryGibHourMicroUsd,
  };
}

type NodePriceSource = {
  provider: PricingProvider;
  region: string;
  node: NodeListPrice;
  source: string;
};

function fromNode({
  provider,
  region,
  node,
  source,
}: NodePriceSource): ResourcePrice {
  return {
    provider,
    family: node.instanceType,
    region,
    ...splitNodePrice(node),
    source,
  };
}

export const DEFAULT_PRICE: ResourcePrice = {
  provider: "custom",
  family: "opencost-default",
  region: "any",
  cpuCoreHourMicroUsd: OPENCOST_DEFAULT_CPU_CORE_HOUR_MICRO_USD,
  memoryGibHourMicroUsd: OPENCOST_DEFAULT_MEMORY_GIB_HOUR_MICRO_USD,
  source:
    "https://github.com/opencost/opencost/blob/develop/configs/default.json (opencost@5f653330)",
};

export const PRICE_TABLE: readonly ResourcePrice[] = [
  DEFAULT_PRICE,
  // Linux on-demand list price, us-east-1: m5.large and m6i.large $0.096/h (2 vCPU, 8 GiB).
  // https://aws.amazon.com/ec2/pricing/on-demand/ — list price as of 2025-01; not re-checked offline.
  fromNode({
    provider: "aws",
    region: "us-east-1",
    node: { instanceType: "m5", vcpu: 2, memoryGib: 8, hourlyMicroUsd: 96_000 },
    source: "https://aws.amazon.com/ec2/pricing/on-demand/ (m5.large, 2025-01)",
  }),
  fromNode({
    provider: "aws",
    region: "us-east-1",
    node: {
      instanceType: "m6i",
      vcpu: 2,
      memoryGib: 8,
      hourlyMicroUsd: 96_000,
    },
    source:
      "https://aws.amazon.com/ec2/pricing/on-demand/ (m6i.large, 2025-01)",
  }),
  // GCP bills vCPU and memory separately; us-central1 on-demand SKUs: N2 $0.031611/vCPU-h and
  // $0.004237/GiB-h, E2 $0.021811/vCPU-h and $0.002923/GiB-h.
  // https://cloud.google.com/compute/vm-instance-pricing — list price as of 2025-01; not re-checked offline.
  {
    provider: "gcp",
    family: "n2",
    region: "us-central1",
    cpuCoreHourMicroUsd: 31_611,
    memoryGibHourMicroUsd: 4_237,
    source:
      "https://cloud.google.com/compute/vm-instance-pricing (N2 predefined, 2025-01)",
  },
  {
    provider: "gcp",
    family: "e2",
    region: "us-central1",
    cpuCoreHourMicroUsd: 21_811,
    memoryGibHourMicroUsd: 2_923,
    source:
      "https://cloud.google.com/compute/vm-instance-pricing (E2 predefined, 2025-01)",
  },
  // Linux pay-as-you-go, East US: Standard_D2s_v5 $0.096/h (2 vCPU, 8 GiB).
  // https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/ — list price as of 2025-01.
  fromNode({
    provider: "azure",
    region: "eastus",
    node: {
      instanceType: "dsv5",
      vcpu: 2,
      memoryGib: 8,
      hourlyMicroUsd: 96_000,
    },
    source:
      "https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/ (D2s v5, 2025-01)",
  }),
];

/** The price for a provider (and optionally a family); the provider's first family by default. */
export function getResourcePrice(
  provider: PricingProvider,
  family?: string,
): ResourcePrice {
  const price = PRICE_TABLE.find(
    (p) =>
      p.provider === provider && (family === undefined || p.family === family),
  );
  if (!price)
    throw new NotFoundError(
      `no price for provider ${provider}${family ? ` family ${family}` : ""}`,
    );
  return price;
}
