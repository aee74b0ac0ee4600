import { describe, expect, it } from "vitest";

import { loadEnv } from "./env";

const TOKEN = "demo-token-0123456789";

describe("aggregator loadEnv", () => {
  it("applies defaults", () => {
    expect(loadEnv({ KUBEWISE_AGENT_TOKENS: TOKEN })).toMatchObject({
      grpcPort: 50_051,
      auth: { mode: "static", tokens: [TOKEN] },
      clusterName: "default",
      rollupIntervalMs: 300_000,
      databaseUrl: undefined,
      passWorkers: 1,
    });
  });

  it("reads the cluster's kube-system UID in a pod or with a kubeconfig, not in the demo", () => {
    const uid = (extra: Record<string, string>) =>
      loadEnv({ KUBEWISE_AGENT_TOKENS: TOKEN, ...extra }).clusterUid;
    expect(uid({})).toBeUndefined();
    expect(uid({ KUBERNETES_SERVICE_HOST: "10.96.0.1" })).toEqual({
      kubeconfigPath: undefined,
    });
    expect(uid({ KUBEWISE_KUBECONFIG: "/k.yaml" })).toEqual({
      kubeconfigPath: "/k.yaml",
    });
    expect(
      uid({
        KUBERNETES_SERVICE_HOST: "10.96.0.1",
        KUBEWISE_CLUSTER_UID_SOURCE: "off",
      }),
    ).toBeUndefined();
    expect(uid({ KUBEWISE_CLUSTER_UID_SOURCE: "kube-system" })).toEqual({
      kubeconfigPath: undefined,
    });
    expect(() => uid({ KUBEWISE_CLUSTER_UID_SOURCE: "namespace" })).toThrow(
      /KUBEWISE_CLUSTER_UID_SOURCE/,
    );
  });

  it("reads the gradual rollout settings of the lifecycle controller", () => {
    expect(
      loadEnv({
        KUBEWISE_AGENT_TOKENS: TOKEN,
        KUBEWISE_CONTROLLER: "on",
        KUBEWISE_ROLLOUT_STEPS: "0.2, 0.6, 1",
        KUBEWISE_ROLLOUT_STEP_WINDOW_SECONDS: "120",
      }).controller,
    ).toMatchObject({
      rolloutSteps: [0.2, 0.6, 1],
      stepWindowSeconds: 120,
      baselineWindowSeconds: 3600,
    });
    expect(
      loadEnv({ KUBEWISE_AGENT_TOKENS: TOKEN, KUBEWISE_CONTROLLER: "on" })
        .controller?.rolloutSteps,
    ).toEqual([0.1, 0.25, 0.5, 1]);
    expect(() =>
      loadEnv({
        KUBEWISE_AGENT_TOKENS: TOKEN,
        KUBEWISE_ROLLOUT_STEPS: "0.5,0.25",
      }),
    ).toThrow(
      /KUBEWISE_ROLLOUT_STEPS: rollout steps must be strictly ascending/,
    );
  });

  it("reports every bad variable at once", () => {
    expect(() =>
      loadEnv({
        DATABASE_URL: "mysql://x",
        KUBEWISE_GRPC_PORT: "70000",
        KUBEWISE_AGENT_TOKENS: "short",
      }),
    ).toThrow(
      /DATABASE_URL[\s\S]*KUBEWISE_GRPC_PORT[\s\S]*at least 16 characters/,
    );
  });

  it("reads TokenReview settings and normalises service accounts", () => {
    expect(
      loadEnv({
        KUBEWISE_AUTH_MODE: "tokenreview",
        KUBEWISE_AGENT_SERVICE_ACCOUNTS:
          "kubewise:kubewise-agent, system:serviceaccount:ops:agent",
        KUBEWISE_KUBECONFIG: "/tmp/kc",
      }).auth,
    ).toEqual({
      mode: "tokenreview",
      audience: "kubewise-aggregator",
      allowedUsernames: [
        "system:serviceaccount:kubewise:kubewise-agent",
        "system:serviceaccount:ops:agent",
      ],
      cacheTtlMs: 60_000,
      kubeconfigPath: "/tmp/kc",
    });
  });

  it.each([
    [{}, /needs the agents' service accounts/],
    [{ KUBEWISE_AGENT_SERVICE_ACCOUNTS: "just-a-name" }, /<namespace>:<name>/],
    [
      {
        KUBEWISE_AGENT_SERVICE_ACCOUNTS: "a:b",
        KUBEWISE_TOKEN_CACHE_SECONDS: "9999",
      },
      /KUBEWISE_TOKEN_CACHE_SECONDS/,
    ],
  ])("rejects bad TokenReview settings %j", (extra, message) => {
    expect(() =>
      loadEnv({ KUBEWISE_AUTH_MODE: "tokenreview", ...extra }),
    ).toThrow(message);
  });

  it("reads the agents' link security: TLS files in pairs, the pod check on by default with TokenReview", () => {
    const tokenReview = {
      KUBEWISE_AUTH_MODE: "tokenreview",
      KUBEWISE_AGENT_SERVICE_ACCOUNTS: "kubewise:kubewise-agent",
    };
    expect(loadEnv({ KUBEWISE_AGENT_TOKENS: TOKEN })).toMatchObject({
      grpcTls: undefined,
      agentNodeCheck: undefined,
    });
    expect(
      loadEnv({
        ...tokenReview,
        KUBEWISE_GRPC_TLS_CERT_FILE: "/tls/tls.crt",
        KUBEWISE_GRPC_TLS_KEY_FILE: "/tls/tls.key",
      }),
    ).toMatchObject({
      grpcTls: { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key" },
      agentNodeCheck: { kubeconfigPath: undefined },
    });
    expect(
      loadEnv({ ...tokenReview, KUBEWISE_AGENT_NODE_CHECK: "off" })
        .agentNodeCheck,
    ).toBeUndefined();
    expect(() =>
      loadEnv({
        KUBEWISE_AGENT_TOKENS: TOKEN,
        KUBEWISE_GRPC_TLS_CERT_FILE: "/tls/tls.crt",
        KUBEWISE_AGENT_NODE_CHECK: "pods",
      }),
    ).toThrow(
      /set both \(TLS\) or neither[\s\S]*KUBEWISE_AGENT_NODE_CHECK=pods needs KUBEWISE_AUTH_MODE=tokenreview/,
    );
  });
});
