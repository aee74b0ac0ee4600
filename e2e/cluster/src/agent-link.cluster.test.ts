import { randomBytes } from "node:crypto";
import { join } from "node:path";

import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTokenReviewer,
  watchPodPlacement,
  type KubeClients,
  type WatchedPodPlacement,
} from "@kubewise/controller";

// The real agent client and the real aggregator server (apps have no package exports).
import { createAgentClient } from "../../../apps/agent/src/adapters/grpc/agent-client";
import {
  encodeSyncRequest,
  toProtoMetricBatch,
} from "../../../apps/agent/src/adapters/grpc/converters";
import type { ContainerSample } from "../../../apps/agent/src/domain/types";
import { DEFAULT_INGEST_LIMITS } from "../../../apps/aggregator/src/domain/batch";
import { createTokenReviewAuthenticator } from "../../../apps/aggregator/src/grpc/auth";
import {
  startGrpcServer,
  type RunningGrpcServer,
} from "../../../apps/aggregator/src/grpc/server";
import { createIngester } from "../../../apps/aggregator/src/ingest/ingester";
import { createAggregatorMetrics } from "../../../apps/aggregator/src/metrics";
import { createMemorySampleStore } from "../../../apps/aggregator/src/testing/memory-sample-store";
import {
  adminClients,
  controllerKubeConfig,
  createNamespace,
  deleteNamespace,
  waitFor,
} from "./harness";

const AUDIENCE = "kubewise-aggregator";
const CACHE_MS = 60_000;
const MIRROR_UID = randomBytes(16).toString("hex");
const TLS = join(
  import.meta.dirname,
  "../../../apps/aggregator/src/grpc/__fixtures__/tls",
);

type Pod = { name: string; uid: string };

/**
 * The agents' link as the chart runs it, against the real kube-apiserver: TLS, pod-bound tokens
 * checked by TokenReview (as the chart's aggregator ServiceAccount) and re-checked on every batch,
 * and each reported pod checked against the pods the aggregator watches.
 */
describe("agent link: TLS, re-authenticated streams, pods bound to the agent's node", () => {
  let admin: KubeClients;
  let namespace: string;
  let server: RunningGrpcServer;
  let placement: WatchedPodPlacement;
  let client: ReturnType<typeof createAgentClient>;
  const metrics = createAggregatorMetrics();
  const memory = createMemorySampleStore();
  let clockOffsetMs = 0;
  let aggregatorKc: Awaited<ReturnType<typeof controllerKubeConfig>>;
  const pods: Record<string, Pod> = {};

  const createPod = async (
    name: string,
    nodeName: string,
    annotations: Record<string, string> = {},
  ) => {
    const pod = await admin.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, annotations },
        spec: {
          serviceAccountName: "agent",
          nodeName,
          containers: [{ name: "app", image: "registry.invalid/app:1" }],
        },
      },
    });
    pods[name] = { name, uid: pod.metadata?.uid ?? "" };
  };
  const podToken = async (pod: Pod) => {
    const request = await admin.core.createNamespacedServiceAccountToken({
      namespace,
      name: "agent",
      body: {
        spec: {
          audiences: [AUDIENCE],
          expirationSeconds: 600,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", ...pod },
        },
      },
    });
    return request.status?.token ?? "";
  };
  const sample = (
    pod: Pod,
    podNamespace: string,
    workload = { kind: "Pod", name: pod.name },
  ): ContainerSample => ({
    meta: {
      namespace: podNamespace,
      podName: pod.name,
      podUid: pod.uid,
      containerName: "app",
      containerId: "c".repeat(64),
      workloadKind: workload.kind,
      workloadName: workload.name,
      cpuRequestMillicores: 250,
      cpuLimitMillicores: 0,
      memoryRequestBytes: 268_435_456,
      memoryLimitBytes: 0,
    },
    timestampMs: Date.now() - 1_000,
    cpuUsageCores: 0.2,
    cpuThrottledPeriods: 0,
    cpuThrottledSeconds: 0,
    memoryWorkingSetBytes: 100_000_000,
    memoryRssBytes: 90_000_000,
    memoryLimitBytes: 0,
    oomKillCount: 0,
  });
  /** One stream; `send` writes a batch of `pod`'s sample and resolves with its answer. */
  const openStream = (token: string) => {
    const stream = client.openSync(token);
    const answers: ((answer: string) => void)[] = [];
    let failed: string | undefined;
    stream.on("data", (r: { response?: { $case: string } }) =>
      answers.shift()?.(r.response?.$case ?? "none"),
    );
    stream.on("error", (error: { code: number; details: string }) => {
      failed = `status ${error.code}: ${error.details}`;
      for (const answer of answers.splice(0)) answer(failed);
    });
    return {
      send: (
        seq: number,
        pod: Pod,
        podNamespace = namespace,
        workload?: { kind: string; name: string },
      ) =>
        new Promise<string>((resolve) => {
          if (failed !== undefined) return resolve(failed);
          answers.push(resolve);
          const batch = toProtoMetricBatch(
            [sample(pod, podNamespace, workload)],
            {
              agentId: "agent-link",
              bootId: "boot-1",
              nodeName: "node-a",
              seq,
              droppedBatchesTotal: 0,
            },
          );
          stream.write(encodeSyncRequest(batch));
        }),
      end: () => stream.end(),
    };
  };
  const refusedPods = async (reason = "foreign_pod") =>
    (await metrics.foreignPodsRefused.get()).values.find(
      (v) => v.labels.reason === reason,
    )?.value ?? 0;
  const stored = () =>
    [...memory.batches.keys()]
      .filter((k) => k.startsWith("agent-link/"))
      .map((k) => Number(k.split("/")[2]));

  beforeAll(async () => {
    admin = adminClients();
    namespace = await createNamespace(admin, "agent-link");
    await admin.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: "agent" } },
    });
    await createPod("agent-a", "node-a");
    await createPod("web-a", "node-a");
    await createPod("dns-b", "node-b");
    // a static pod's API mirror: the kubelet (and so the agent) knows it by the annotated UID
    // (unique per run: pods bound to a node without a kubelet outlive their namespace)
    await createPod("static-a", "node-a", {
      "kubernetes.io/config.mirror": MIRROR_UID,
    });
    aggregatorKc = await controllerKubeConfig();
    placement = watchPodPlacement(aggregatorKc, {
      onError: (error) => console.error("pod watch", error),
    });
    server = await startGrpcServer({
      host: "127.0.0.1",
      port: 0,
      tls: {
        certFile: join(TLS, "server.crt"),
        keyFile: join(TLS, "server.key"),
      },
      ingester: createIngester(memory.store),
      authenticator: createTokenReviewAuthenticator({
        review: createTokenReviewer(aggregatorKc, { timeoutMs: 5_000 }),
        audience: AUDIENCE,
        allowedUsernames: [`system:serviceaccount:${namespace}:agent`],
        cacheTtlMs: CACHE_MS,
        now: () => Date.now() + clockOffsetMs,
      }),
      podPlacement: placement,
      metrics,
      logger: pino({ level: "silent" }),
      limits: DEFAULT_INGEST_LIMITS,
      maxQueuedPerStream: 1,
      maxConcurrentIngests: 2,
      collectionIntervalSeconds: 10,
    });
    client = createAgentClient(`127.0.0.1:${server.port}`, {
      caFile: join(TLS, "ca.crt"),
      serverName: "kubewise-aggregator",
    });
    await waitFor("the pod watch to list the test pods", () =>
      Promise.resolve(
        placement.podByUid(pods["dns-b"]?.uid ?? "") ? true : undefined,
      ),
    );
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
    await placement?.stop();
    await deleteNamespace(admin, namespace);
  });

  it("stores a pod of the agent's node and refuses, counts and names a pod of another node", async () => {
    const stream = openStream(await podToken(pods["agent-a"]!));
    expect(await stream.send(1, pods["web-a"]!)).toBe("ack");
    expect(await stream.send(2, pods["dns-b"]!)).toBe(
      `status 7: an agent of node node-a may report only pods scheduled on it, not ${namespace}/dns-b (on node node-b)`,
    );
    expect(await refusedPods()).toBe(1);
    expect(stored()).toEqual([1]);
  });

  it("knows a static pod by the UID its kubelet runs it under, and a pod whose metadata the agent has not read yet", async () => {
    const stream = openStream(await podToken(pods["agent-a"]!));
    expect(await stream.send(4, { name: "static-a", uid: MIRROR_UID })).toBe(
      "ack",
    );
    // the cgroupfs source's fallback before metadata: namespace "unknown", the UID as the name
    const uid = pods["web-a"]!.uid;
    expect(await stream.send(5, { name: uid, uid }, "unknown")).toBe("ack");
  });

  it("refuses a pod that does not exist, and a real pod's UID under another name", async () => {
    const invented = {
      name: "coredns-x",
      uid: "00000000-0000-0000-0000-000000000000",
    };
    const stream = openStream(await podToken(pods["agent-a"]!));
    expect(await stream.send(3, invented)).toMatch(/coredns-x \(unknown pod\)/);
    const borrowed = openStream(await podToken(pods["agent-a"]!));
    expect(
      await borrowed.send(3, { name: "coredns-y", uid: pods["web-a"]!.uid }),
    ).toMatch(new RegExp(`coredns-y \\(uid .* is ${namespace}/web-a\\)`));
    expect(stored()).toEqual([1, 4, 5]);
  });

  it("refuses and counts a pod of its own node attributed to a workload that does not control it", async () => {
    const stream = openStream(await podToken(pods["agent-a"]!));
    // web-a is a bare pod on node-a: samples under Deployment coredns would size coredns
    expect(
      await stream.send(6, pods["web-a"]!, namespace, {
        kind: "Deployment",
        name: "coredns",
      }),
    ).toBe(
      `status 7: an agent of node node-a may report only pods scheduled on it, not ${namespace}/web-a (not a pod of Deployment/coredns)`,
    );
    expect(await refusedPods("foreign_workload")).toBe(1);
    expect(stored()).toEqual([1, 4, 5]);
  });

  it("stops an open stream once its token is revoked, within the verdict cache window", async () => {
    const token = await podToken(pods["agent-a"]!);
    const stream = openStream(token);
    expect(await stream.send(10, pods["web-a"]!)).toBe("ack");
    // deleting the pod a token is bound to revokes the token
    await admin.core.deleteNamespacedPod({
      namespace,
      name: "agent-a",
      gracePeriodSeconds: 0,
    });
    const review = createTokenReviewer(aggregatorKc, { timeoutMs: 5_000 });
    await waitFor("the API server to reject the revoked token", async () =>
      (await review(token, [AUDIENCE])).authenticated === true
        ? undefined
        : true,
    );
    // within the cache window the verdict stands (at most CACHE_MS of batches after revocation)
    expect(await stream.send(11, pods["web-a"]!)).toBe("ack");
    clockOffsetMs = CACHE_MS + 1;
    expect(await stream.send(12, pods["web-a"]!)).toMatch(
      /^status 16: token rejected by TokenReview/,
    );
    expect(stored()).toEqual([1, 4, 5, 10, 11]);
  });
});
