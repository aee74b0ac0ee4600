import { describe, expect, it } from "vitest";

import { loadEnv } from "./env";

describe("agent loadEnv", () => {
  it("applies defaults (10 s collection interval, synthetic source)", () => {
    const env = loadEnv({ KUBEWISE_TOKEN: "t", KUBEWISE_NODE_NAME: "node-a" });
    expect(env).toMatchObject({
      collectionIntervalMs: 10_000,
      source: "synthetic",
      agentId: "node-a",
      token: { kind: "static", value: "t" },
      aggregatorTarget: "127.0.0.1:50051",
    });
    expect(Object.isFrozen(env)).toBe(true);
  });

  it("reports every bad variable at once", () => {
    expect(() =>
      loadEnv({
        KUBEWISE_SOURCE: "replay",
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: "-1",
        KUBEWISE_METRICS_PORT: "x",
      }),
    ).toThrow(
      /KUBEWISE_COLLECTION_INTERVAL_SECONDS[\s\S]*KUBEWISE_METRICS_PORT[\s\S]*KUBEWISE_TOKEN[\s\S]*KUBEWISE_REPLAY_PATH/,
    );
  });

  it("prefers a token file over a static token", () => {
    expect(
      loadEnv({ KUBEWISE_TOKEN: "t", KUBEWISE_TOKEN_FILE: "/var/run/token" })
        .token,
    ).toEqual({ kind: "file", path: "/var/run/token" });
  });
});

describe("agent loadEnv: pod metadata source", () => {
  const base = { KUBEWISE_TOKEN: "t" };
  const inCluster = {
    KUBERNETES_SERVICE_HOST: "10.0.0.1",
    KUBERNETES_SERVICE_PORT: "443",
  };
  it.each([
    [
      "cgroupfs in a pod",
      { KUBEWISE_SOURCE: "cgroupfs", KUBEWISE_NODE_NAME: "n1", ...inCluster },
      { kind: "in-cluster", host: "10.0.0.1", port: "443" },
    ],
    [
      "cgroupfs with a kubeconfig",
      {
        KUBEWISE_SOURCE: "cgroupfs",
        KUBEWISE_NODE_NAME: "n1",
        KUBEWISE_KUBECONFIG: "/kc",
      },
      { kind: "kubeconfig", path: "/kc" },
    ],
    [
      "cgroupfs without a node name (hostname is not the node)",
      { KUBEWISE_SOURCE: "cgroupfs", ...inCluster },
      undefined,
    ],
    [
      "cgroupfs outside a cluster",
      { KUBEWISE_SOURCE: "cgroupfs", KUBEWISE_NODE_NAME: "n1" },
      undefined,
    ],
    [
      "kubelet in a pod (requests and owners are not in the kubelet stats)",
      { KUBEWISE_SOURCE: "kubelet", KUBEWISE_NODE_NAME: "n1", ...inCluster },
      { kind: "in-cluster", host: "10.0.0.1", port: "443" },
    ],
    [
      "synthetic (metadata from the source)",
      { KUBEWISE_SOURCE: "synthetic", KUBEWISE_NODE_NAME: "n1", ...inCluster },
      undefined,
    ],
    [
      "turned off",
      {
        KUBEWISE_SOURCE: "cgroupfs",
        KUBEWISE_NODE_NAME: "n1",
        KUBEWISE_POD_METADATA: "off",
        ...inCluster,
      },
      undefined,
    ],
  ])("%s", (_, extra, expected) => {
    expect(loadEnv({ ...base, ...extra }).podMetadata).toEqual(expected);
  });

  it("explains what forced Kubernetes metadata is missing", () => {
    expect(() =>
      loadEnv({ ...base, KUBEWISE_POD_METADATA: "kubernetes" }),
    ).toThrow(/KUBERNETES_SERVICE_HOST[\s\S]*KUBEWISE_NODE_NAME: pod metadata/);
  });
});

describe("agent loadEnv: local scoring", () => {
  it.each<[string, Record<string, string>, unknown]>([
    [
      "on by default, TypeScript runtime, every 5 min",
      {},
      { runtime: "typescript", intervalMs: 300_000 },
    ],
    [
      "onnxruntime every 60 s",
      {
        KUBEWISE_SCORER_RUNTIME: "onnxruntime",
        KUBEWISE_SCORE_INTERVAL_SECONDS: "60",
      },
      { runtime: "onnxruntime", intervalMs: 60_000 },
    ],
    ["off", { KUBEWISE_SCORING: "off" }, undefined],
  ])("%s", (_name, vars, scoring) => {
    expect(loadEnv({ KUBEWISE_TOKEN: "t", ...vars }).scoring).toEqual(scoring);
  });

  it("rejects an unknown runtime", () => {
    expect(() =>
      loadEnv({ KUBEWISE_TOKEN: "t", KUBEWISE_SCORER_RUNTIME: "tfjs" }),
    ).toThrow(/KUBEWISE_SCORER_RUNTIME/);
  });
});
