import { z } from "zod";

import { RECOMMENDATION_PHASES } from "@kubewise/core";

import { ClusterSelectorShape } from "../internal/cluster";

export const RecommendationSortSchema = z.enum([
  "savings_desc",
  "savings_asc",
  "confidence_desc",
  "created_desc",
]);
export type RecommendationSort = z.infer<typeof RecommendationSortSchema>;

export const ListRecommendationsInputSchema = z.object({
  ...ClusterSelectorShape,
  namespace: z.string().min(1).max(253).optional(),
  workloadId: z.uuid().optional(),
  containerId: z.uuid().optional(),
  phase: z.array(z.enum(RECOMMENDATION_PHASES)).min(1).optional(),
  minConfidence: z.number().min(0).max(1).optional(),
  sort: RecommendationSortSchema.default("savings_desc"),
  limit: z.number().int().min(1).max(500).default(50),
  offset: z.number().int().min(0).default(0),
});
export type ListRecommendationsInput = z.input<
  typeof ListRecommendationsInputSchema
>;

export const RecommendationIdInputSchema = z.object({ id: z.uuid() });

/** Optimistic concurrency: the phase the user saw; a decision on a changed row is a CONFLICT. */
const ExpectedPhaseSchema = z.enum(RECOMMENDATION_PHASES).optional();
export type RecommendationIdInput = z.input<typeof RecommendationIdInputSchema>;

export const GetRecommendationInputSchema = RecommendationIdInputSchema.extend({
  usageWindowSeconds: z
    .number()
    .int()
    .min(3600)
    .max(90 * 86_400)
    .default(7 * 86_400),
});
export type GetRecommendationInput = z.input<
  typeof GetRecommendationInputSchema
>;

export const ApproveRecommendationInputSchema =
  RecommendationIdInputSchema.extend({
    comment: z.string().max(2000).optional(),
    expectedPhase: ExpectedPhaseSchema,
  });
export type ApproveRecommendationInput = z.input<
  typeof ApproveRecommendationInputSchema
>;

export const RejectRecommendationInputSchema =
  RecommendationIdInputSchema.extend({
    reason: z
      .string()
      .trim()
      .min(3, "a reason of at least 3 characters is required")
      .max(2000),
    expectedPhase: ExpectedPhaseSchema,
  });
export type RejectRecommendationInput = z.input<
  typeof RejectRecommendationInputSchema
>;

export const BulkApproveRecommendationsInputSchema = z.object({
  ids: z.array(z.uuid()).min(1).max(200),
  comment: z.string().max(2000).optional(),
});
export type BulkApproveRecommendationsInput = z.input<
  typeof BulkApproveRecommendationsInputSchema
>;

export const GenerateRecommendationsInputSchema = z.object({
  clusterId: z.uuid(),
  now: z.date(),
  historyWindowSeconds: z
    .number()
    .int()
    .min(3600)
    .max(90 * 86_400)
    .default(8 * 86_400),
});
export type GenerateRecommendationsInput = z.input<
  typeof GenerateRecommendationsInputSchema
>;

export const ResourceSettingsSchema = z.object({
  cpuRequestMillicores: z.number().int().nullable(),
  cpuLimitMillicores: z.number().int().nullable(),
  memoryRequestBytes: z.number().int().nullable(),
  memoryLimitBytes: z.number().int().nullable(),
});
export type ResourceSettings = z.infer<typeof ResourceSettingsSchema>;

export const RecommendationSummarySchema = z.object({
  id: z.uuid(),
  clusterId: z.uuid(),
  namespace: z.string(),
  workloadKind: z.string(),
  workloadName: z.string(),
  containerName: z.string(),
  phase: z.enum(RECOMMENDATION_PHASES),
  policy: z.string(),
  version: z.number().int(),
  confidence: z.number(),
  current: ResourceSettingsSchema,
  recommended: ResourceSettingsSchema,
  projectedMonthlySavingsMicroUsd: z.number().int(),
  /** Whether Kubewise can apply it; otherwise advice only, with the reason (core getApplySupport). */
  apply: z.union([
    z.object({ supported: z.literal(true) }),
    z.object({ supported: z.literal(false), reason: z.string() }),
  ]),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type RecommendationSummary = z.infer<typeof RecommendationSummarySchema>;

export const RecommendationPageSchema = z.object({
  items: z.array(RecommendationSummarySchema),
  total: z.number().int(),
  nextOffset: z.number().int().nullable(),
});
export type RecommendationPage = z.infer<typeof RecommendationPageSchema>;
