import { z } from "zod";

import { ClusterSelectorShape } from "../internal/cluster";

export const ListAuditEntriesInputSchema = z.object({
  ...ClusterSelectorShape,
  subject: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(500).default(100),
  offset: z.number().int().min(0).default(0),
});
export type ListAuditEntriesInput = z.input<typeof ListAuditEntriesInputSchema>;

export const VerifyAuditChainInputSchema = z.object({}).default({});
export type VerifyAuditChainInput = z.input<typeof VerifyAuditChainInputSchema>;
