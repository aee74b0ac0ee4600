import { z } from "zod";

import { ValidationError } from "@kubewise/core";

import { ClusterSelectorShape } from "../internal/cluster";

/** Neither clusterId nor cluster: every cluster (sums over the clusters). */
export const GetCostsInputSchema = z.object({
  ...ClusterSelectorShape,
  topWastefulLimit: z.number().int().min(1).max(100).default(10),
});
export type GetCostsInput = z.input<typeof GetCostsInputSchema>;

export const GetSavingsInputSchema = z.object({
  ...ClusterSelectorShape,
  sinceDays: z.number().int().min(1).max(3650).default(30),
});
export type GetSavingsInput = z.input<typeof GetSavingsInputSchema>;

/** REST `?since=30d` -> 30. Accepts "<n>d" or a bare number of days. */
export function parseSinceDays(since: string): number {
  const match = /^(\d{1,4})d?$/.exec(since.trim());
  const days = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new ValidationError(
      `since must look like 30d (1..3650 days), got ${JSON.stringify(since)}`,
      {
        fieldErrors: { since: ["expected <days>d, e.g. 30d"] },
      },
    );
  }
  return days;
}
