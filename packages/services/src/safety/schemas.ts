import { z } from "zod";

import { NamespaceSafetyConfigSchema } from "@kubewise/core";

import { ClusterSelectorShape } from "../internal/cluster";

const namespaceName = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "must be a Kubernetes namespace name",
  );

export const GetSafetyConfigInputSchema = z.object({
  /** Optional when the installation has exactly one cluster. */
  ...ClusterSelectorShape,
  namespace: namespaceName,
});
export type GetSafetyConfigInput = z.input<typeof GetSafetyConfigInputSchema>;

export const PutSafetyConfigInputSchema = GetSafetyConfigInputSchema.extend({
  config: NamespaceSafetyConfigSchema,
  /** Configure a namespace no workload has been seen in yet (a typo otherwise saves silently). */
  allowFutureNamespace: z.boolean().default(false),
});
export type PutSafetyConfigInput = z.input<typeof PutSafetyConfigInputSchema>;
