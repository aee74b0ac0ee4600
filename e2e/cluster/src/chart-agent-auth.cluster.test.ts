import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

import { describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { REPO_ROOT } from "./global-setup";

const execFileAsync = promisify(execFile);

type Container = {
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
};
type PodSpec = {
  serviceAccountName: string;
  containers: Container[];
  volumes?: {
    name: string;
    projected?: {
      sources: { serviceAccountToken?: { audience?: string; path: string } }[];
    };
  }[];
};
type Manifest = {
  kind: string;
  metadata: { name: string };
  spec?: { template?: { spec: PodSpec } };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
};

const envOf = (spec: PodSpec | undefined) =>
  Object.fromEntries(
    (spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
  );

describe("Helm chart: agent token and aggregator TokenReview settings agree", () => {
  it("agent token audience, mount path and ServiceAccount match what the aggregator accepts", async () => {
    const { stdout } = await execFileAsync(inject("helmPath"), [
      ...["template", "kw", join(REPO_ROOT, "charts", "kubewise")],
      ...["-n", "kubewise-system"],
    ]);
    const manifests = parseAllDocuments(stdout)
      .map((d) => d.toJSON() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
    const agent = manifests.find((m) => m.kind === "DaemonSet")?.spec?.template
      ?.spec;
    const aggregator = manifests.find((m) => m.kind === "Deployment")?.spec
      ?.template?.spec;
    const aggregatorEnv = envOf(aggregator);
    const agentEnv = envOf(agent);
    const projected = agent?.volumes?.find((v) => v.projected !== undefined);
    const token = projected?.projected?.sources.find(
      (s) => s.serviceAccountToken !== undefined,
    )?.serviceAccountToken;
    const mount = agent?.containers[0]?.volumeMounts?.find(
      (m) => m.name === projected?.name,
    );

    expect(aggregatorEnv.KUBEWISE_AUTH_MODE).toBe("tokenreview");
    expect(token?.audience).toBe(aggregatorEnv.KUBEWISE_TOKEN_AUDIENCE);
    expect(agentEnv.KUBEWISE_TOKEN_FILE).toBe(
      `${mount?.mountPath}/${token?.path}`,
    );
    expect(aggregatorEnv.KUBEWISE_AGENT_SERVICE_ACCOUNTS).toBe(
      `kubewise-system:${agent?.serviceAccountName}`,
    );
    const role = manifests.find(
      (m) => m.kind === "ClusterRole" && m.metadata.name === "kw-aggregator",
    );
    expect(role?.rules).toContainEqual({
      apiGroups: ["authentication.k8s.io"],
      resources: ["tokenreviews"],
      verbs: ["create"],
    });
  });
});
