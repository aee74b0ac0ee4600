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
      {
        KUBEWISE_SOURCE: "kubelet",
        KUBEWISE_NODE_NAME: "n1",
        KUBEWISE_NODE_IP: "10.0.0.7",
        ...inCluster,
      },
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

describe("agent loadEnv: cluster UID (declared at Register)", () => {
  const base = { KUBEWISE_TOKEN: "t" };
  const inCluster = {
    KUBERNETES_SERVICE_HOST: "10.0.0.1",
    KUBERNETES_SERVICE_PORT: "443",
  };
  it.each<[string, Record<string, string>, unknown]>([
    [
      "auto in a pod",
      inCluster,
      { kind: "in-cluster", host: "10.0.0.1", port: "443" },
    ],
    [
      "auto with a kubeconfig (any source)",
      { KUBEWISE_SOURCE: "synthetic", KUBEWISE_KUBECONFIG: "/kc" },
      { kind: "kubeconfig", path: "/kc" },
    ],
    ["auto without API access (the demo)", {}, undefined],
    ["off", { ...inCluster, KUBEWISE_CLUSTER_UID_SOURCE: "off" }, undefined],
  ])("%s", (_, extra, expected) => {
    expect(loadEnv({ ...base, ...extra }).clusterUid).toEqual(expected);
  });

  it("kube-system without API access is a start error", () => {
    expect(() =>
      loadEnv({ ...base, KUBEWISE_CLUSTER_UID_SOURCE: "kube-system" }),
    ).toThrow(/KUBEWISE_CLUSTER_UID_SOURCE: kube-system needs in-cluster/);
  });
});

describe("agent loadEnv: local scoring", () => {
  it.each<[string, Record<string, string>, unknown]>([
    [
      "on by default, TypeScript runtime, every 5 min",
      {},
      { runtime: "typescript", intervalMs: 300_000, preload: false },
    ],
    [
      "onnxruntime every 60 s",
      {
        KUBEWISE_SCORER_RUNTIME: "onnxruntime",
        KUBEWISE_SCORE_INTERVAL_SECONDS: "60",
      },
      { runtime: "onnxruntime", intervalMs: 60_000, preload: false },
    ],
    [
      "preloaded from /app/models (the image)",
      { KUBEWISE_SCORER_PRELOAD: "true", KUBEWISE_MODEL_DIR: "/app/models" },
      {
        runtime: "typescript",
        intervalMs: 300_000,
        preload: true,
        modelDir: "/app/models",
      },
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

describe("agent loadEnv: kubelet source", () => {
  const base = { KUBEWISE_TOKEN: "t", KUBEWISE_SOURCE: "kubelet" };
  const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
  it.each<[string, Record<string, string>, unknown]>([
    [
      "node IP from the downward API, ServiceAccount token and CA by default",
      { KUBEWISE_NODE_IP: "10.0.0.7" },
      {
        url: "https://10.0.0.7:10250",
        tokenFile: `${sa}/token`,
        tls: { kind: "ca-file", path: `${sa}/ca.crt` },
      },
    ],
    [
      "an IPv6 node IP in brackets, another port",
      { KUBEWISE_NODE_IP: "fd00::7", KUBEWISE_KUBELET_PORT: "10255" },
      {
        url: "https://[fd00::7]:10255",
        tokenFile: `${sa}/token`,
        tls: { kind: "ca-file", path: `${sa}/ca.crt` },
      },
    ],
    [
      "an explicit URL, CA file and token file",
      {
        KUBEWISE_KUBELET_URL: "https://node-a.example:10250/",
        KUBEWISE_KUBELET_CA_FILE: "/etc/kubelet-ca/ca.crt",
        KUBEWISE_KUBELET_TOKEN_FILE: "/var/run/secrets/kubelet/token",
      },
      {
        url: "https://node-a.example:10250",
        tokenFile: "/var/run/secrets/kubelet/token",
        tls: { kind: "ca-file", path: "/etc/kubelet-ca/ca.crt" },
      },
    ],
    [
      "the explicit TLS opt-out",
      {
        KUBEWISE_NODE_IP: "10.0.0.7",
        KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY: "true",
      },
      {
        url: "https://10.0.0.7:10250",
        tokenFile: `${sa}/token`,
        tls: { kind: "insecure-skip-verify" },
      },
    ],
  ])("%s", (_, vars, kubelet) => {
    expect(loadEnv({ ...base, ...vars }).kubelet).toEqual(kubelet);
  });

  it("has no kubelet settings for other sources", () => {
    expect(loadEnv({ KUBEWISE_TOKEN: "t" }).kubelet).toBeUndefined();
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      "no node IP and no URL (the pod's loopback is not the node)",
      {},
      /KUBEWISE_NODE_IP: KUBEWISE_SOURCE=kubelet needs the node's IP/,
    ],
    [
      "a plain-http URL",
      { KUBEWISE_KUBELET_URL: "http://10.0.0.7:10255" },
      /KUBEWISE_KUBELET_URL: must be an https:\/\/ URL/,
    ],
    [
      "a node IP that is no IP",
      { KUBEWISE_NODE_IP: "node-a" },
      /KUBEWISE_NODE_IP/,
    ],
    [
      "a CA file together with the opt-out",
      {
        KUBEWISE_NODE_IP: "10.0.0.7",
        KUBEWISE_KUBELET_CA_FILE: "/ca.crt",
        KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY: "true",
      },
      /KUBEWISE_KUBELET_CA_FILE: set a CA file or KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY=true, not both/,
    ],
    [
      "an opt-out that is not true/false",
      {
        KUBEWISE_NODE_IP: "10.0.0.7",
        KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY: "yes",
      },
      /KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY/,
    ],
  ])("rejects %s", (_, vars, message) => {
    expect(() => loadEnv({ ...base, ...vars })).toThrow(message);
  });
});
