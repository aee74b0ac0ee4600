import { z } from "zod";

import { APPLICABLE_WORKLOAD_KINDS } from "@kubewise/core";

export const GetRolloutSignalsInputSchema = z
  .object({
    clusterId: z.uuid(),
    namespace: z.string().min(1).max(253),
    kind: z.enum(APPLICABLE_WORKLOAD_KINDS),
    name: z.string().min(1).max(253),
    containerNames: z.array(z.string().min(1).max(63)).min(1).max(32),
    /** When the rollout began: the baseline window ends here. */
    changedAt: z.date(),
    /** Start of the observation window (the current step's start, at or after changedAt). */
    observedFrom: z.date(),
    baselineSeconds: z
      .int()
      .min(60)
      .max(7 * 86_400),
    sampleIntervalSeconds: z.number().positive().max(3600),
  })
  .refine((i) => i.observedFrom.getTime() >= i.changedAt.getTime(), {
    message: "observedFrom must not be before changedAt",
    path: ["observedFrom"],
  });
export type GetRolloutSignalsInput = z.infer<
  typeof GetRolloutSignalsInputSchema
>;
