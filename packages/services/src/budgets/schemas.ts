import { z } from "zod";

import { ClusterSelectorShape } from "../internal/cluster";

export const CreateBudgetInputSchema = z
  .object({
    ...ClusterSelectorShape,
    name: z.string().trim().min(1).max(100),
    /** A namespace, or a label (scopeKey = the label key, scopeValue = its value). */
    scopeKind: z.enum(["namespace", "label"]),
    scopeKey: z.string().min(1).max(253).optional(),
    scopeValue: z.string().min(1).max(253),
    monthlyLimitMicroUsd: z.number().int().min(1).max(1e15),
  })
  .refine((b) => b.scopeKind === "namespace" || b.scopeKey !== undefined, {
    path: ["scopeKey"],
    message: "a label budget needs the label key (e.g. team)",
  });
export type CreateBudgetInput = z.input<typeof CreateBudgetInputSchema>;

export const ListBudgetsInputSchema = z.object({
  ...ClusterSelectorShape,
});
export type ListBudgetsInput = z.input<typeof ListBudgetsInputSchema>;

export const DeleteBudgetInputSchema = z.object({ id: z.uuid() });
export type DeleteBudgetInput = z.input<typeof DeleteBudgetInputSchema>;
