import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

import { parseAllDocuments } from "yaml";

import { REPO_ROOT } from "./global-setup";

const execFileAsync = promisify(execFile);
export const CHART = join(REPO_ROOT, "charts", "kubewise");

type Rule = {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
};
type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
};
type Container = {
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: Record<string, unknown>;
};
type TokenProjection = {
  audience?: string;
  path: string;
  expirationSeconds?: number;
};
type Volume = {
  name: string;
  hostPath?: { path: string };
  configMap?: { name: string; items?: { key: string; path: string }[] };
  projected?: {
    sources: {
      serviceAccountToken?: TokenProjection;
      configMap?: { name: string; items?: { key: string; path: string }[] };
    }[];
  };
};
export type PodSpec = {
  serviceAccountName: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: Volume[];
};
export type Manifest = {
  kind: string;
  metadata: { name: string };
  automountServiceAccountToken?: boolean;
  rules?: Rule[];
  spec?: { template?: { spec: PodSpec } } & Record<string, unknown>;
};

/** `helm template` of the chart in namespace kubewise-system, release kw, with `--set` values. */
export async function renderChart(
  helmPath: string,
  ...set: string[]
): Promise<Manifest[]> {
  const args = ["template", "kw", CHART, "-n", "kubewise-system"];
  const { stdout } = await execFileAsync(helmPath, [
    ...args,
    ...set.flatMap((s) => ["--set", s]),
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** Rules as sorted `group/resource:verb[@names]` strings, for exact allow-list comparisons. */
export const flattenRules = (rules: Rule[]): string[] =>
  rules
    .flatMap((r) =>
      r.resources.flatMap((res) =>
        r.verbs.map(
          (v) =>
            `${r.apiGroups.join(",")}/${res}:${v}${r.resourceNames ? `@${r.resourceNames.join(",")}` : ""}`,
        ),
      ),
    )
    .sort();
