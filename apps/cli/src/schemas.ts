import { z } from "zod";

// The slice of the API's answers that the table views read; everything else passes through untouched.
const ResourcesSchema = z.object({
  cpuRequestMillicores: z.number().nullable(),
  cpuLimitMillicores: z.number().nullable(),
  memoryRequestBytes: z.number().nullable(),
  memoryLimitBytes: z.number().nullable(),
});

const RecommendationRowSchema = z.object({
  id: z.string(),
  clusterId: z.string(),
  namespace: z.string(),
  workloadKind: z.string(),
  workloadName: z.string(),
  containerName: z.string(),
  phase: z.string(),
  confidence: z.number(),
  current: ResourcesSchema,
  recommended: ResourcesSchema,
  projectedMonthlySavingsMicroUsd: z.number(),
});
export type RecommendationRow = z.infer<typeof RecommendationRowSchema>;

export const RecommendationPageSchema = z.object({
  items: z.array(RecommendationRowSchema),
  total: z.number(),
});
