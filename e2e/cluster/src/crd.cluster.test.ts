import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createRecommendationStore,
  isApiStatus,
  type KubeClients,
} from "@kubewise/controller";
import { buildResourceRecommendation } from "@kubewise/k8s";

import {
  adminClients,
  createNamespace,
  deleteNamespace,
  kubectl,
} from "./harness";

describe("ResourceRecommendation CRD", () => {
  let clients: KubeClients;
  let namespace: string;

  beforeAll(async () => {
    clients = adminClients();
    namespace = await createNamespace(clients, "crd");
  });
  afterAll(async () => {
    await deleteNamespace(clients, namespace);
  });

  it("is listed by kubectl get resourcerecommendations -A with the promised columns", async () => {
    const store = createRecommendationStore(clients);
    await store.apply(
      buildResourceRecommendation({
        namespace,
        target: { kind: "Deployment", name: "web" },
        containers: [
          {
            name: "app",
            requests: { cpuMillicores: 250, memoryBytes: 256 * 2 ** 20 },
            limits: {},
          },
        ],
        confidence: 0.93,
        policy: "e2e",
        generatedAt: new Date(),
      }),
    );
    const { stdout, code } = await kubectl([
      "get",
      "resourcerecommendations",
      "-A",
    ]);
    expect(code).toBe(0);
    const [header, ...rows] = stdout.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual([
      "NAMESPACE",
      "NAME",
      "TARGET",
      "CPU-REQ",
      "MEM-REQ",
      "CONFIDENCE",
      "PHASE",
      "AGE",
    ]);
    const row = rows.find((r) => r.startsWith(namespace))?.split(/\s+/);
    expect(row?.slice(0, 6)).toEqual([
      namespace,
      "deployment-web",
      "web",
      "250m",
      "256Mi",
      "0.93",
    ]);
    const wide = await kubectl(["get", "rrec", "-n", namespace, "-o", "wide"]);
    expect(wide.stdout).toMatch(/KIND/);
  });

  it("defaults user-owned fields: dryRun true, autoApply false", async () => {
    const { stdout } = await kubectl([
      "get",
      "rrec",
      "deployment-web",
      "-n",
      namespace,
      "-o",
      "jsonpath={.spec.dryRun} {.spec.autoApply}",
    ]);
    expect(stdout).toBe("true false");
  });

  it.each([
    [
      "a malformed quantity",
      { containers: [{ name: "app", requests: { cpu: "lots" } }] },
      /spec.containers\[0\].requests.cpu/,
    ],
    ["confidence above 1", { confidence: 1.5 }, /spec.confidence/],
    [
      "autoApply together with dryRun (CEL rule)",
      { dryRun: true, autoApply: true },
      /autoApply requires dryRun: false/,
    ],
    [
      "an unknown target kind",
      { targetRef: { kind: "Job", name: "x" } },
      /spec.targetRef.kind/,
    ],
  ])("rejects %s with 422", async (_label, override, message) => {
    const body = {
      apiVersion: "kubewise.io/v1alpha1",
      kind: "ResourceRecommendation",
      metadata: { name: "invalid", namespace },
      spec: {
        targetRef: { kind: "Deployment", name: "web" },
        containers: [{ name: "app", requests: { cpu: "1" } }],
        confidence: 0.5,
        ...override,
      },
    };
    const error = await clients.custom
      .createNamespacedCustomObject({
        group: "kubewise.io",
        version: "v1alpha1",
        plural: "resourcerecommendations",
        namespace,
        body,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isApiStatus(error, 422)).toBe(true);
    expect(String((error as { body?: unknown }).body)).toMatch(message);
  });
});
