import { z } from "zod";

import {
  DEFAULT_PRICE,
  getResourcePrice,
  PRICING_PROVIDERS,
  type ResourcePrice,
} from "@kubewise/core";
import { getCostSettingsRow, type DbExecutor } from "@kubewise/db";

const labelKey = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/, "must be a label key");
const namespaceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a namespace name");

const PricingSettingSchema = z.discriminatedUnion("source", [
  z.object({
    source: z.literal("list"),
    provider: z.enum(PRICING_PROVIDERS),
    family: z.string().min(1).optional(),
  }),
  z.object({
    source: z.literal("custom"),
    name: z.string().min(1).max(100).default("custom sheet"),
    cpuCoreHourMicroUsd: z.number().min(0).max(100_000_000),
    memoryGibHourMicroUsd: z.number().min(0).max(100_000_000),
  }),
]);

export const CostSettingsSchema = z.object({
  /** Label keys offered for allocation by label (values come from pod template labels). */
  labelKeys: z.array(labelKey).max(20).default(["team", "app"]),
  /** Tenants whose cost is split over the others (e.g. kube-system, monitoring). */
  sharedNamespaces: z.array(namespaceName).max(50).default([]),
  /** How shared cost is split: by each tenant's allocated cost, or evenly. */
  sharedSplit: z.enum(["proportional", "even"]).default("proportional"),
  /** Spread idle capacity over the tenants instead of showing it as its own line. */
  shareIdle: z.boolean().default(false),
  pricing: PricingSettingSchema.default({ source: "list", provider: "custom" }),
});
export type CostSettings = z.infer<typeof CostSettingsSchema>;

const DEFAULT_COST_SETTINGS: CostSettings = CostSettingsSchema.parse({});

export function priceOf(settings: CostSettings): ResourcePrice {
  const pricing = settings.pricing;
  if (pricing.source === "custom")
    return {
      provider: "custom",
      family: pricing.name,
      region: "any",
      cpuCoreHourMicroUsd: pricing.cpuCoreHourMicroUsd,
      memoryGibHourMicroUsd: pricing.memoryGibHourMicroUsd,
      source: "custom pricing sheet",
    };
  if (pricing.provider === "custom" && pricing.family === undefined)
    return DEFAULT_PRICE;
  return getResourcePrice(pricing.provider, pricing.family);
}

export type EffectiveCostSettings = {
  settings: CostSettings;
  price: ResourcePrice;
};

/** The cluster's stored settings (defaults when none); `override` (tests, the aggregator) wins for prices. */
export async function loadCostSettings(
  db: DbExecutor,
  clusterId: string,
  override?: ResourcePrice,
): Promise<EffectiveCostSettings> {
  const row = await getCostSettingsRow(db, clusterId);
  const parsed = row ? CostSettingsSchema.safeParse(row.settings) : undefined;
  const settings = parsed?.success ? parsed.data : DEFAULT_COST_SETTINGS;
  return { settings, price: override ?? priceOf(settings) };
}
