import { z } from "zod";

import { authorize, namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { resolveClusterId } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { computeAllocation, type AllocationResult } from "./allocation";
import { loadCostSettings } from "./settings";
import { resolveAllocationWindow } from "./window";

const AGGREGATES = [
  "cluster",
  "namespace",
  "controllerKind",
  "controller",
  "container",
] as const;

export const AllocationAggregateSchema = z.union(
  [
    z.enum(AGGREGATES),
    z
      .string()
      .regex(/^label:[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/, "label:<key>")
      .transform((value) => value as `label:${string}`),
  ],
  {
    error: `expected one of ${AGGREGATES.join(", ")} or label:<key>`,
  },
);

export const GetAllocationInputSchema = z.object({
  clusterId: z.uuid().optional(),
  /** OpenCost-style: 24h, 7d, 30d, today, yesterday, week, month, lastweek, lastmonth, <from>,<to>. */
  window: z.string().min(1).max(80).default("7d"),
  aggregate: AllocationAggregateSchema.default("namespace"),
  /** Show idle capacity (its own __idle__ line, or spread when the cluster shares idle). */
  idle: z.boolean().default(true),
  /** Overrides the cluster's setting for this request. */
  shareIdle: z.boolean().optional(),
  /** Overrides the cluster's shared namespaces for this request. */
  shareNamespaces: z.array(z.string().min(1).max(63)).max(50).optional(),
});
export type GetAllocationInput = z.input<typeof GetAllocationInputSchema>;

export type AllocationReport = AllocationResult & {
  clusterId: string;
  price: {
    cpuCoreHourMicroUsd: number;
    memoryGibHourMicroUsd: number;
    source: string;
  };
};

export async function getAllocation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetAllocationInput;
}): Promise<AllocationReport> {
  authorize(ctx, "getAllocation");
  const parsed = parseInput(GetAllocationInputSchema, input);
  const clusterId = await resolveClusterId(ctx.db, parsed.clusterId);
  const window = resolveAllocationWindow(parsed.window, ctx.clock.now());
  const { settings, price } = await loadCostSettings(
    ctx.db,
    clusterId,
    ctx.price,
  );
  const result = await computeAllocation({
    db: ctx.db,
    clusterId,
    window,
    aggregate: parsed.aggregate,
    settings: {
      ...settings,
      shareIdle: parsed.shareIdle ?? settings.shareIdle,
      sharedNamespaces: parsed.shareNamespaces ?? settings.sharedNamespaces,
    },
    price,
    scopes: namespaceFilter(ctx.actor),
    includeIdle: parsed.idle,
  });
  return {
    ...result,
    clusterId,
    price: {
      cpuCoreHourMicroUsd: price.cpuCoreHourMicroUsd,
      memoryGibHourMicroUsd: price.memoryGibHourMicroUsd,
      source: price.source,
    },
  };
}
