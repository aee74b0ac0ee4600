import { z } from "zod";

import {
  parsePricingCsv,
  PRICE_TABLE,
  type ResourcePrice,
} from "@kubewise/core";
import { upsertCostSettingsRow } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { ClusterSelectorShape, resolveClusterId } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import {
  CostSettingsSchema,
  loadCostSettings,
  priceOf,
  type CostSettings,
} from "./settings";

export const GetCostSettingsInputSchema = z.object({
  ...ClusterSelectorShape,
});
export type GetCostSettingsInput = z.input<typeof GetCostSettingsInputSchema>;

export const PutCostSettingsInputSchema = z.object({
  ...ClusterSelectorShape,
  settings: CostSettingsSchema,
  /** A custom pricing sheet as CSV (resource,unit,hourly_usd); replaces settings.pricing. */
  pricingCsv: z.string().max(10_000).optional(),
});
export type PutCostSettingsInput = z.input<typeof PutCostSettingsInputSchema>;

export type CostSettingsView = {
  clusterId: string;
  settings: CostSettings;
  /** The price in effect. */
  price: ResourcePrice;
  /** The cloud list prices to choose from, next to the custom sheet. */
  listPrices: readonly ResourcePrice[];
};

export async function getCostSettings({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetCostSettingsInput;
}): Promise<CostSettingsView> {
  authorize(ctx, "getCostSettings");
  const parsed = parseInput(GetCostSettingsInputSchema, input);
  const clusterId = await resolveClusterId(
    ctx.db,
    parsed.clusterId,
    parsed.cluster,
  );
  const { settings, price } = await loadCostSettings(ctx.db, clusterId);
  return { clusterId, settings, price, listPrices: PRICE_TABLE };
}

export async function putCostSettings({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: PutCostSettingsInput;
}): Promise<CostSettingsView> {
  authorize(ctx, "putCostSettings");
  const parsed = parseInput(PutCostSettingsInputSchema, input);
  const settings: CostSettings =
    parsed.pricingCsv === undefined
      ? parsed.settings
      : {
          ...parsed.settings,
          pricing: {
            source: "custom",
            name: "custom sheet (CSV)",
            ...parsePricingCsv(parsed.pricingCsv),
          },
        };
  // Resolves a list price now, so an unknown provider/family is refused at save time.
  const price = priceOf(settings);
  return withTransaction(ctx, async (tx) => {
    const clusterId = await resolveClusterId(
      tx.db,
      parsed.clusterId,
      parsed.cluster,
    );
    const before = await loadCostSettings(tx.db, clusterId);
    await upsertCostSettingsRow(tx.db, {
      clusterId,
      settings,
      updatedAt: tx.clock.now(),
      updatedBy: tx.actor.userId,
    });
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId,
        action: "costs.put_settings",
        subject: `cluster:${clusterId}`,
        payload: { before: before.settings, after: settings },
      },
    );
    return { clusterId, settings, price, listPrices: PRICE_TABLE };
  });
}
