import { dirname } from "node:path";

import { describe, expect, inject, it } from "vitest";

import { renderChart, type PodSpec } from "./chart-render";

const envOf = (spec: PodSpec | undefined) =>
  Object.fromEntries(
    (spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
  );

describe("Helm chart: agent token and aggregator TokenReview settings agree", () => {
  it("agent token audience, mount path and ServiceAccount match what the aggregator accepts", async () => {
    const manifests = await renderChart(inject("helmPath"));
    const agent = manifests.find((m) => m.kind === "DaemonSet")?.spec?.template
      ?.spec;
    const aggregator = manifests.find(
      (m) => m.kind === "Deployment" && m.metadata.name === "kw-aggregator",
    )?.spec?.template?.spec;
    const aggregatorEnv = envOf(aggregator);
    const agentEnv = envOf(agent);
    const mount = agent?.containers[0]?.volumeMounts?.find(
      (m) => m.mountPath === dirname(agentEnv.KUBEWISE_TOKEN_FILE ?? ""),
    );
    const token = agent?.volumes
      ?.find((v) => v.name === mount?.name)
      ?.projected?.sources.find(
        (s) => s.serviceAccountToken !== undefined,
      )?.serviceAccountToken;

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
