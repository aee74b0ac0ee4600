import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type KubeClients } from "@kubewise/controller";
import {
  createDb,
  ensureClusterByName,
  insertIngestBatches,
  migrate,
  registerAgent,
  resolveContainerIds,
  startDatabase,
  type DbClient,
  type RunningDatabase,
} from "@kubewise/db";

// The real agent client and the real aggregator server (apps have no package exports).
import { createAgentClient } from "../../../apps/agent/src/adapters/grpc/agent-client";
import {
  encodeSyncRequest,
  toProtoMetricBatch,
  toProtoSourceKind,
} from "../../../apps/agent/src/adapters/grpc/converters";
import type { ContainerSample } from "../../../apps/agent/src/domain/types";
import { DEFAULT_INGEST_LIMITS } from "../../../apps/aggregator/src/domain/batch";
import { createAgentAuthenticator } from "../../../apps/aggregator/src/grpc/auth-factory";
import {
  startGrpcServer,
  type RunningGrpcServer,
} from "../../../apps/aggregator/src/grpc/server";
import { createIngester } from "../../../apps/aggregator/src/ingest/ingester";
import { createAggregatorMetrics } from "../../../apps/aggregator/src/metrics";
import {
  startTcpProxy,
  type TcpProxy,
} from "../../../apps/aggregator/src/testing/tcp-proxy";
import {
  adminClients,
  controllerKubeConfig,
  createNamespace,
  deleteNamespace,
} from "./harness";

const AUDIENCE = "kubewise-aggregator";

async function requestToken(
  admin: KubeClients,
  account: { namespace: string; name: string },
  options: { audience?: string; pod?: { name: string; uid: string } } = {},
): Promise<string> {
  const review = await admin.core.createNamespacedServiceAccountToken({
    ...account,
    body: {
      spec: {
        audiences: [options.audience ?? AUDIENCE],
        expirationSeconds: 600,
        ...(options.pod === undefined
          ? {}
          : {
              boundObjectRef: { apiVersion: "v1", kind: "Pod", ...options.pod },
            }),
      },
    },
  });
  const token = review.status?.token;
  if (!token)
    throw new Error(`no token for ${account.namespace}/${account.name}`);
  return token;
}

function sample(timestampMs: number): ContainerSample {
  return {
    meta: {
      namespace: "team-a",
      podName: "web-1",
      podUid: "11111111-2222-3333-4444-555555555555",
      containerName: "app",
      containerId: "c".repeat(64),
      workloadKind: "Deployment",
      workloadName: "web",
      cpuRequestMillicores: 250,
      cpuLimitMillicores: 0,
      memoryRequestBytes: 268_435_456,
      memoryLimitBytes: 0,
    },
    timestampMs,
    cpuUsageCores: 0.2,
    cpuThrottledPeriods: 0,
    cpuThrottledSeconds: 0,
    memoryWorkingSetBytes: 100_000_000,
    memoryRssBytes: 90_000_000,
    memoryLimitBytes: 0,
    oomKillCount: 0,
  };
}

describe("agent authentication with TokenReview against a real kube-apiserver", () => {
  let admin: KubeClients;
  let namespace: string;
  let dir: string;
  let proxy: TcpProxy;
  let server: RunningGrpcServer;
  const unavailable: string[] = [];
  let database: RunningDatabase;
  let pg: DbClient;
  let client: ReturnType<typeof createAgentClient>;

  const register = (token: string, bootId = "boot-1", nodeName = "node-e2e") =>
    client
      .register(
        {
          agentId: "agent-e2e",
          bootId,
          nodeName,
          agentVersion: "e2e",
          clusterName: "",
          kubeSystemUid: "",
          sourceKind: toProtoSourceKind("cgroupfs"),
        },
        token,
        10_000,
      )
      .then(
        () => ({ code: 0, details: "" }),
        (error: { code: number; details: string }) => ({
          code: error.code,
          details: error.details,
        }),
      );

  beforeAll(async () => {
    admin = adminClients();
    namespace = await createNamespace(admin, "agent-auth");
    for (const name of ["agent", "intruder"])
      await admin.core.createNamespacedServiceAccount({
        namespace,
        body: { metadata: { name } },
      });
    // The aggregator reviews tokens as the chart's aggregator ServiceAccount (its RBAC, not admin),
    // through a proxy the test can cut to make the API server unreachable.
    const aggregatorKc = await controllerKubeConfig();
    const cluster = aggregatorKc.getCurrentCluster();
    if (!cluster) throw new Error("no cluster in the kubeconfig");
    const apiPort = Number(new URL(cluster.server).port);
    proxy = await startTcpProxy(apiPort);
    dir = mkdtempSync(join(tmpdir(), "kubewise-agent-auth-"));
    const kubeconfigPath = join(dir, "kubeconfig");
    const exported = JSON.parse(aggregatorKc.exportConfig()) as {
      clusters: { cluster: { server: string } }[];
    };
    for (const c of exported.clusters)
      c.cluster.server = `https://127.0.0.1:${proxy.port}`;
    writeFileSync(kubeconfigPath, JSON.stringify(exported), { mode: 0o600 });
    // Real PostgreSQL behind the real ingester, wired as src/main.ts does.
    // As root the embedded server runs as `postgres`, which must be able to enter the directory.
    chmodSync(dir, 0o755);
    database = await startDatabase({
      dataDir: join(dir, "pg"),
      settings: { fsync: "off", synchronous_commit: "off" },
    });
    await migrate({ url: database.url });
    pg = createDb({ url: database.url, max: 2 });
    const { sql } = pg;
    const clusterId = await ensureClusterByName(sql, "agent-auth-e2e");
    server = await startGrpcServer({
      host: "127.0.0.1",
      port: 0,
      ingester: createIngester({
        registerAgent: (agent) => registerAgent(sql, { ...agent, clusterId }),
        resolveContainerIds: (containers) =>
          resolveContainerIds(sql, clusterId, containers),
        insertBatches: (batches) =>
          insertIngestBatches(
            sql,
            batches.map((b) => ({ ...b, clusterId })),
          ),
      }),
      authenticator: createAgentAuthenticator(
        {
          mode: "tokenreview",
          audience: AUDIENCE,
          allowedUsernames: [`system:serviceaccount:${namespace}:agent`],
          cacheTtlMs: 60_000,
          kubeconfigPath,
        },
        {
          reviewTimeoutMs: 3_000,
          onUnavailable: (reason) => unavailable.push(reason),
        },
      ),
      metrics: createAggregatorMetrics(),
      logger: pino({ level: "silent" }),
      limits: DEFAULT_INGEST_LIMITS,
      maxQueuedPerStream: 4,
      maxConcurrentIngests: 2,
      collectionIntervalSeconds: 10,
    });
    client = createAgentClient(`127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    client.close();
    await server.stop();
    await proxy.close();
    await pg?.close();
    await database?.stop();
    rmSync(dir, { recursive: true, force: true });
    await deleteNamespace(admin, namespace);
  });

  it("accepts the agent ServiceAccount's token: Register succeeds and the batch is stored", async () => {
    const token = await requestToken(admin, { namespace, name: "agent" });
    expect(await register(token)).toEqual({ code: 0, details: "" });
    const stream = client.openSync(token);
    const acked = new Promise<unknown>((resolve, reject) => {
      stream.on("data", resolve);
      stream.on("error", reject);
    });
    const batch = toProtoMetricBatch([sample(Date.now() - 1_000)], {
      agentId: "agent-e2e",
      bootId: "boot-1",
      nodeName: "node-e2e",
      seq: 1,
      droppedBatchesTotal: 0,
    });
    stream.write(encodeSyncRequest(batch));
    expect(await acked).toMatchObject({
      response: { $case: "ack", value: { seq: 1, storedSamples: 1 } },
    });
    stream.end();
    const stored = await pg.sql<{ sampleCount: number }[]>`
      select sample_count as "sampleCount" from ingest_batches
      where agent_id = 'agent-e2e' and boot_id = 'boot-1' and seq = 1`;
    expect(stored).toEqual([{ sampleCount: 1 }]);
  });

  it("denies another ServiceAccount with PERMISSION_DENIED", async () => {
    const token = await requestToken(admin, { namespace, name: "intruder" });
    const result = await register(token);
    expect(result.code).toBe(7);
    expect(result.details).toContain(
      `system:serviceaccount:${namespace}:intruder is not an allowed agent service account`,
    );
  });

  it.each([
    ["a token for another audience", "wrong-audience"],
    ["a garbage token", "garbage"],
  ])("denies %s with UNAUTHENTICATED", async (_, kind) => {
    const token =
      kind === "garbage"
        ? "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl"
        : await requestToken(
            admin,
            { namespace, name: "agent" },
            { audience: "someone-else" },
          );
    const result = await register(token);
    expect(result.code).toBe(16);
    expect(result.details).toMatch(/token rejected by TokenReview/);
  });

  it("lets a pod-bound token register only the node its pod runs on", async () => {
    const pod = await admin.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: "agent-pod" },
        spec: {
          serviceAccountName: "agent",
          nodeName: "node-e2e",
          containers: [{ name: "agent", image: "registry.invalid/kubewise:1" }],
        },
      },
    });
    const token = await requestToken(
      admin,
      { namespace, name: "agent" },
      { pod: { name: "agent-pod", uid: pod.metadata?.uid ?? "" } },
    );
    expect(await register(token, "boot-3", "node-e2e")).toEqual({
      code: 0,
      details: "",
    });
    expect(await register(token, "boot-3", "node-other")).toEqual({
      code: 7,
      details: "token is bound to node node-e2e, not node-other",
    });
  });

  it("answers UNAVAILABLE while the API server is unreachable, and accepts again once it is back", async () => {
    const fresh = await requestToken(admin, { namespace, name: "agent" });
    proxy.setBlackhole(true);
    const started = Date.now();
    const down = await register(fresh, "boot-2");
    const waitedMs = Date.now() - started;
    proxy.setBlackhole(false);
    expect(down.code).toBe(14);
    expect(down.details).toMatch(/cannot verify the token now.*3000 ms/);
    expect(waitedMs).toBeLessThan(5_000);
    expect(unavailable).toEqual([down.details]);
    expect(await register(fresh, "boot-2")).toEqual({ code: 0, details: "" });
  });
});
