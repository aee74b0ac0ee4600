import { status } from "@grpc/grpc-js";
import { pino } from "pino";
import { describe, expect, it } from "vitest";

import type { PodPlace } from "@kubewise/controller";

import { createAggregatorMetrics } from "../metrics";
import { checkPodsOnNode, createNodeBindingGuard } from "./node-binding";

const PODS: Record<string, PodPlace> = {
  "uid-web": { namespace: "shop", name: "web-1", nodeName: "node-a" },
  "uid-api": {
    namespace: "shop",
    name: "api-7d9f8c6b5-x2x4q",
    nodeName: "node-a",
    owner: { kind: "ReplicaSet", name: "api-7d9f8c6b5" },
    templateHash: "7d9f8c6b5",
  },
  "uid-job": {
    namespace: "shop",
    name: "report-29420160-abcde",
    nodeName: "node-a",
    owner: { kind: "Job", name: "report-29420160" },
  },
  "uid-db": {
    namespace: "shop",
    name: "db-0",
    nodeName: "node-a",
    owner: { kind: "StatefulSet", name: "db" },
  },
  "uid-dns": {
    namespace: "kube-system",
    name: "coredns-1",
    nodeName: "node-b",
  },
};
const placement = (synced = true) => ({
  synced: () => synced,
  podByUid: (uid: string) => PODS[uid],
});
const pod = (
  namespace: string,
  podName: string,
  podUid: string,
  workload?: { kind: string; name: string },
) => ({
  namespace,
  podName,
  podUid,
  ...(workload
    ? { workloadKind: workload.kind, workloadName: workload.name }
    : {}),
});

describe("checkPodsOnNode", () => {
  it("accepts pods scheduled on the agent's node", () => {
    expect(
      checkPodsOnNode([pod("shop", "web-1", "uid-web")], "node-a", placement()),
    ).toEqual({ ok: true });
  });

  it("refuses a pod of another node, an unknown pod and a borrowed UID, naming each once", () => {
    const verdict = checkPodsOnNode(
      [
        pod("shop", "web-1", "uid-web"),
        pod("kube-system", "coredns-1", "uid-dns"),
        pod("kube-system", "coredns-1", "uid-dns"),
        pod("kube-system", "invented", "uid-none"),
        pod("kube-system", "coredns-2", "uid-web"),
      ],
      "node-a",
      placement(),
    );
    expect(verdict).toEqual({
      ok: false,
      code: "permission_denied",
      foreign: [
        "kube-system/coredns-1",
        "kube-system/invented",
        "kube-system/coredns-2",
      ],
      spoofed: [],
      reason:
        "an agent of node node-a may report only pods scheduled on it, not kube-system/coredns-1 (on node node-b), kube-system/invented (unknown pod), kube-system/coredns-2 (uid uid-web is shop/web-1)",
    });
  });

  it("accepts a pod attributed to itself or to the workload that controls it", () => {
    const own = [
      pod("shop", "web-1", "uid-web"),
      pod("shop", "web-1", "uid-web", { kind: "Pod", name: "web-1" }),
      pod("shop", "api-7d9f8c6b5-x2x4q", "uid-api", {
        kind: "Deployment",
        name: "api",
      }),
      pod("shop", "api-7d9f8c6b5-x2x4q", "uid-api", {
        kind: "ReplicaSet",
        name: "api-7d9f8c6b5",
      }),
      pod("shop", "report-29420160-abcde", "uid-job", {
        kind: "CronJob",
        name: "report",
      }),
      pod("shop", "db-0", "uid-db", { kind: "StatefulSet", name: "db" }),
    ];
    for (const p of own)
      expect(checkPodsOnNode([p], "node-a", placement())).toEqual({ ok: true });
  });

  it("refuses a pod of its node attributed to a workload that does not control it (spoofed), naming the real owner", () => {
    const verdict = checkPodsOnNode(
      [
        pod("shop", "api-7d9f8c6b5-x2x4q", "uid-api", {
          kind: "Deployment",
          name: "checkout",
        }),
        pod("shop", "web-1", "uid-web", { kind: "Deployment", name: "web" }),
        pod("shop", "db-0", "uid-db", { kind: "StatefulSet", name: "cache" }),
        pod("shop", "report-29420160-abcde", "uid-job", {
          kind: "CronJob",
          name: "rep",
        }),
      ],
      "node-a",
      placement(),
    );
    expect(verdict).toMatchObject({
      ok: false,
      code: "permission_denied",
      spoofed: [
        "shop/api-7d9f8c6b5-x2x4q",
        "shop/web-1",
        "shop/db-0",
        "shop/report-29420160-abcde",
      ],
    });
    if (verdict.ok) return;
    expect(verdict.reason).toBe(
      "an agent of node node-a may report only pods scheduled on it, not shop/api-7d9f8c6b5-x2x4q (not a pod of Deployment/checkout: ReplicaSet/api-7d9f8c6b5 controls it), shop/web-1 (not a pod of Deployment/web), shop/db-0 (not a pod of StatefulSet/cache: StatefulSet/db controls it) and 1 more",
    );
  });

  it("accepts the agent's fallback for a pod of its node whose metadata it has not read yet", () => {
    expect(
      checkPodsOnNode(
        [pod("unknown", "uid-web", "uid-web")],
        "node-a",
        placement(),
      ),
    ).toEqual({ ok: true });
    expect(
      checkPodsOnNode(
        [pod("unknown", "uid-dns", "uid-dns")],
        "node-a",
        placement(),
      ),
    ).toMatchObject({ ok: false, foreign: ["unknown/uid-dns"] });
  });

  it("judges nothing before the first pod list: UNAVAILABLE, so the agent retries", () => {
    expect(
      checkPodsOnNode(
        [pod("shop", "web-1", "uid-web")],
        "node-a",
        placement(false),
      ),
    ).toMatchObject({ ok: false, code: "unavailable" });
  });
});

describe("createNodeBindingGuard", () => {
  const batch = (
    nodeName: string,
    pods = [pod("shop", "web-1", "uid-web")],
  ) => ({
    agentId: "agent-a",
    nodeName,
    containers: pods,
  });
  const counted = async (
    metrics: ReturnType<typeof createAggregatorMetrics>,
    reason: string,
  ) =>
    (await metrics.foreignPodsRefused.get()).values.find(
      (v) => v.labels.reason === reason,
    )?.value ?? 0;

  it("refuses a batch of another node than the token's, with or without a pod watch", () => {
    const guard = createNodeBindingGuard({
      metrics: createAggregatorMetrics(),
      logger: pino({ level: "silent" }),
    });
    expect(guard(batch("node-b"), "node-a")).toEqual({
      code: status.PERMISSION_DENIED,
      details: "token is bound to node node-a, not node-b",
    });
    expect(guard(batch("node-b"), undefined)).toBeUndefined();
  });

  it("with a pod watch: counts every refused pod and refuses tokens bound to no node", async () => {
    const metrics = createAggregatorMetrics();
    const guard = createNodeBindingGuard({
      podPlacement: placement(),
      metrics,
      logger: pino({ level: "silent" }),
    });
    expect(guard(batch("node-a"), "node-a")).toBeUndefined();
    const foreign = guard(
      batch("node-a", [
        pod("kube-system", "coredns-1", "uid-dns"),
        pod("kube-system", "x", "uid-none"),
      ]),
      "node-a",
    );
    expect(foreign?.code).toBe(status.PERMISSION_DENIED);
    expect(await counted(metrics, "foreign_pod")).toBe(2);
    const spoofed = guard(
      batch("node-a", [
        pod("shop", "web-1", "uid-web", { kind: "Deployment", name: "web" }),
        pod("kube-system", "coredns-1", "uid-dns"),
      ]),
      "node-a",
    );
    expect(spoofed?.code).toBe(status.PERMISSION_DENIED);
    expect(await counted(metrics, "foreign_workload")).toBe(1);
    expect(await counted(metrics, "foreign_pod")).toBe(3);
    const unbound = guard(batch("node-a"), undefined);
    expect(unbound?.code).toBe(status.PERMISSION_DENIED);
    expect(unbound?.details).toMatch(/token bound to the agent's pod/);
    expect(await counted(metrics, "unbound_token")).toBe(1);
  });
});
