import { z } from "zod";

import { ANOMALY_KINDS, ANOMALY_SEVERITIES } from "@kubewise/db";

import { ClusterSelectorShape } from "../internal/cluster";

export const ListAnomaliesInputSchema = z.object({
  ...ClusterSelectorShape,
  namespace: z.string().min(1).max(253).optional(),
  workloadId: z.uuid().optional(),
  containerId: z.uuid().optional(),
  kind: z.enum(ANOMALY_KINDS).optional(),
  includeResolved: z.boolean().default(false),
  limit: z.number().int().min(1).max(500).default(100),
  offset: z.number().int().min(0).default(0),
});
export type ListAnomaliesInput = z.input<typeof ListAnomaliesInputSchema>;

export const DetectAnomaliesInputSchema = z.object({
  clusterId: z.uuid(),
  now: z.date(),
  historyWindowSeconds: z
    .number()
    .int()
    .min(3600)
    .max(30 * 86_400)
    .default(3 * 86_400),
});
export type DetectAnomaliesInput = z.input<typeof DetectAnomaliesInputSchema>;

export const RecordAgentAnomaliesInputSchema = z.object({
  clusterId: z.uuid(),
  agentId: z.string().min(1).max(128),
  anomalies: z
    .array(
      z.object({
        containerId: z.uuid(),
        kind: z.enum(ANOMALY_KINDS),
        severity: z.enum(ANOMALY_SEVERITIES),
        detectedAt: z.date(),
        timeToLimitSeconds: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .nullable(),
        details: z.record(z.string().max(64), z.number()),
      }),
    )
    .max(5_000),
});
export type RecordAgentAnomaliesInput = z.input<
  typeof RecordAgentAnomaliesInputSchema
>;
