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
  // Linux on-demand, us-east-1, m5.large $0.096/h (2 vCPU, 8 GiB). Checked 2026-11-27: confirmed by
  // https://npblue.com/cloud/aws/ec2-pricing-models/ (m5.xlarge $0.192/h on-demand, i.e. the same
  // per-vCPU rate); the official page https://aws.amazon.com/ec2/pricing/on-demand/ is not stored.
  fromNode({
    provider: "aws",
    region: "us-east-1",
    node: { instanceType: "m5", vcpu: 2, memoryGib: 8, hourlyMicroUsd: 96_000 },
    source:
      "https://aws.amazon.com/ec2/pricing/on-demand/ (m5.large $0.096/h; confirmed via https://npblue.com/cloud/aws/ec2-pricing-models/, 2026-11-27)",
  }),
  // m6i.large $0.096/h: no stored source confirms this number (checked 2026-11-27); list price
  // from memory (2025-01).
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
      "https://aws.amazon.com/ec2/pricing/on-demand/ (m6i.large, from memory 2025-01; unconfirmed)",
  }),
  // GCP bills vCPU and memory separately (us-central1 on-demand). Checked 2026-11-27: the stored copy
  // of https://cloud.google.com/compute/vm-instance-pricing holds only its intro, not the rate tables.
  // N2 $0.031611/vCPU-h, $0.004237/GiB-h: the same rates as OpenCost's "Default prices based on GCP
  // us-central1" (configs/default.json, cited above), not confirmed by Google's page.
  {
    provider: "gcp",
    family: "n2",
    region: "us-central1",
    cpuCoreHourMicroUsd: 31_611,
    memoryGibHourMicroUsd: 4_237,
    source:
      "https://cloud.google.com/compute/vm-instance-pricing (N2 predefined, from memory 2025-01; matches OpenCost's us-central1 defaults)",
  },
  // E2 $0.021811/vCPU-h, $0.002923/GiB-h: no stored source confirms these (checked 2026-11-27).
  {
    provider: "gcp",
    family: "e2",
    region: "us-central1",
    cpuCoreHourMicroUsd: 21_811,
    memoryGibHourMicroUsd: 2_923,
    source:
      "https://cloud.google.com/compute/vm-instance-pricing (E2 predefined, from memory 2025-01; unconfirmed)",
  },
  // Linux pay-as-you-go, East US: Standard_D2s_v5 $0.096/h (2 vCPU, 8 GiB). No stored source confirms
  // it (checked 2026-11-27); the nearest, https://learningbro.com/courses/azure-vms-and-compute/lessons/azure-pricing-pay-as-you-go-reserved-spot-vms,
  // calls D4s_v5 "~$0.19" Linux/h "illustrative", consistent but not a confirmation.
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
      "https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/ (D2s v5, from memory 2025-01; unconfirmed)",
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

export type CustomPriceSheet = {
  cpuCoreHourMicroUsd: number;
  memoryGibHourMicroUsd: number;
};

/**
 * A custom pricing sheet as CSV: a header `resource,unit,hourly_usd` and one row each for
 * `cpu,core,<usd>` and `memory,GiB,<usd>` (order free; blank lines and `#` comments ignored).
 */
export function parsePricingCsv(csv: string): CustomPriceSheet {
  const lines = csv
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const header = lines[0]?.toLowerCase().replace(/\s/g, "");
  if (header !== "resource,unit,hourly_usd")
    throw new ValidationError(
      `pricing CSV must start with the header resource,unit,hourly_usd; got ${JSON.stringify(lines[0] ?? "")}`,
      {
        fieldErrors: {
          pricingCsv: ["header must be resource,unit,hourly_usd"],
        },
      },
    );
  const prices = new Map<string, number>();
  for (const [index, line] of lines.slice(1).entries()) {
    const [resource = "", unit = "", usd = ""] = line
      .split(",")
      .map((c) => c.trim());
    const expected = { cpu: "core", memory: "gib" }[resource.toLowerCase()];
    const value = Number(usd);
    if (
      expected === undefined ||
      unit.toLowerCase() !== expected ||
      !(value >= 0)
    )
      throw new ValidationError(
        `pricing CSV line ${index + 2} is invalid: ${line}`,
        {
          fieldErrors: {
            pricingCsv: [
              `line ${index + 2}: expected cpu,core,<usd> or memory,GiB,<usd> with a non-negative price`,
            ],
          },
        },
      );
    prices.set(resource.toLowerCase(), value);
  }
  const cpu = prices.get("cpu");
  const memory = prices.get("memory");
  if (cpu === undefined || memory === undefined)
    throw new ValidationError("pricing CSV needs a cpu row and a memory row", {
      fieldErrors: { pricingCsv: ["needs both a cpu and a memory row"] },
    });
  return {
    cpuCoreHourMicroUsd: cpu * 1_000_000,
    memoryGibHourMicroUsd: memory * 1_000_000,
  };
}
