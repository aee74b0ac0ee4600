import { homedir } from "node:os";
import { join } from "node:path";

import { z } from "zod";

const EnvSchema = z.object({
  /** Run against this cluster instead of the local node (its nodes must have the images). */
  KUBECONFIG: z.string().min(1).optional(),
  /** With KUBECONFIG: a PostgreSQL URL that the cluster's pods and this machine both reach. */
  KUBEWISE_E2E_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//)
    .optional(),
  /** Registry of the images (default localhost: the archives imported with ctr). */
  KUBEWISE_E2E_IMAGE_REGISTRY: z.string().min(1).default("localhost"),
  KUBEWISE_CACHE: z
    .string()
    .min(1)
    .default(join(homedir(), ".cache", "kubewise")),
  /** State of the local node cluster (kubeconfig, logs, the database). */
  KUBEWISE_CLUSTER_DIR: z.string().min(1).default("/tmp/kubewise-node-e2e"),
  /** 1: leave the node, the release and the database running after the suite (debugging). */
  KUBEWISE_KEEP_CLUSTER: z.enum(["0", "1"]).default("0"),
  /** 1: use the archives already in dist/images instead of running npm run images. */
  KUBEWISE_E2E_SKIP_IMAGES: z.enum(["0", "1"]).default("0"),
});
export type NodeSuiteEnv = z.infer<typeof EnvSchema>;

export function loadNodeEnv(
  source: Record<string, string | undefined>,
): Readonly<NodeSuiteEnv> {
  const env = EnvSchema.parse(source);
  if (
    env.KUBECONFIG !== undefined &&
    env.KUBEWISE_E2E_DATABASE_URL === undefined
  )
    throw new Error(
      "KUBECONFIG is set: also set KUBEWISE_E2E_DATABASE_URL to a PostgreSQL that the cluster's pods and this machine both reach",
    );
  return Object.freeze(env);
}
