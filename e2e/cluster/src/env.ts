import { homedir } from "node:os";
import { join } from "node:path";

import { z } from "zod";

const EnvSchema = z.object({
  /** Use this cluster instead of starting the local control plane. */
  KUBECONFIG: z.string().min(1).optional(),
  KUBEWISE_CACHE: z
    .string()
    .min(1)
    .default(join(homedir(), ".cache", "kubewise")),
  /** Leave the local control plane running after the suite (for debugging). */
  KUBEWISE_KEEP_CLUSTER: z.enum(["0", "1"]).default("0"),
});
export type ClusterSuiteEnv = z.infer<typeof EnvSchema>;

export function loadEnv(
  source: Record<string, string | undefined>,
): Readonly<ClusterSuiteEnv> {
  return Object.freeze(EnvSchema.parse(source));
}
