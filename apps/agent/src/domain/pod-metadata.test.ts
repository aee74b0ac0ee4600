import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  MAX_POD_LABELS,
  parseContainerId,
  podLabels,
  podOwner,
  toContainerMeta,
  toContainerResources,
  toPodEntry,
  workloadOf,
  type PodObject,
} from "./pod-metadata";

const ID_APP = "a".repeat(64);
const ID_INIT = "b".repeat(64);

const pod: PodObject = {
  metadata: {
    uid: "u-1",
    name: "web-7d9f-abcde",
    namespace: "shop",
    labels: { app: "web", team: "storefront", "pod-template-hash": "7d9f" },
    ownerReferences: [
      { kind: "ReplicaSet", name: "web-7d9f", controller: true },
    ],
  },
  spec: {
    initContainers: [{ name: "migrate", resources: { limits: { cpu: "1" } } }],
    containers: [
      {
        name: "app",
        resources: {
          requests: { cpu: "250m", memory: "512Mi" },
          limits: { cpu: "1500m", memory: "1Gi" },
        },
      },
      { name: "sidecar" },
    ],
  },
  status: {
    initContainerStatuses: [
      { name: "migrate", containerID: `containerd://${ID_INIT}` },
    ],
    containerStatuses: [
      { name: "app", containerID: `cri-o://${ID_APP}` },
      { name: "sidecar" },
    ],
  },
};

describe("podOwner", () => {
  it.each([
    [pod.metadata?.ownerReferences, { kind: "ReplicaSet", name: "web-7d9f" }],
    [
      [
        { kind: "Foo", name: "x" },
        { kind: "StatefulSet", name: "db", controller: true },
      ],
      { kind: "StatefulSet", name: "db" },
    ],
    [[{ kind: "DaemonSet", name: "ds" }], { kind: "DaemonSet", name: "ds" }],
    [
      [{ kind: "Node", name: "node-1" }],
      { kind: "Pod", name: "web-7d9f-abcde" },
    ],
    [undefined, { kind: "Pod", name: "web-7d9f-abcde" }],
  ])("owner of %j is %j", (refs, expected) => {
    expect(
      podOwner({ metadata: { ...pod.metadata, ownerReferences: refs } }),
    ).toEqual(expected);
  });
});

describe("workloadOf", () => {
  it.each([
    [
      { kind: "ReplicaSet", name: "web-7d9f" },
      [{ kind: "Deployment", name: "web", controller: true }],
      { kind: "Deployment", name: "web" },
    ],
    [
      { kind: "Job", name: "backup-29000000" },
      [{ kind: "CronJob", name: "backup", controller: true }],
      { kind: "CronJob", name: "backup" },
    ],
    [
      { kind: "ReplicaSet", name: "bare" },
      undefined,
      { kind: "ReplicaSet", name: "bare" },
    ],
    [{ kind: "Job", name: "once" }, [], { kind: "Job", name: "once" }],
  ])("%j owned by %j -> %j", (owner, refs, expected) => {
    expect(workloadOf(owner, refs)).toEqual(expected);
  });
});

describe("parseContainerId", () => {
  it.each([
    [`containerd://${ID_APP}`, ID_APP],
    [`docker://${ID_APP}`, ID_APP],
    [ID_APP, ID_APP],
    ["containerd://short", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%s -> %s", (raw, expected) => {
    expect(parseContainerId(raw)).toBe(expected);
  });
});

describe("toContainerResources", () => {
  it("reads quantities and treats unset or malformed ones as 0", () => {
    expect(
      toContainerResources({
        requests: { cpu: "0.1", memory: "bogus" },
        limits: { memory: "128M" },
      }),
    ).toEqual({
      cpuRequestMillicores: 100,
      cpuLimitMillicores: 0,
      memoryRequestBytes: 0,
      memoryLimitBytes: 128_000_000,
    });
  });

  it("never yields a negative or fractional number for any millicore input", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (m) => {
        const r = toContainerResources({ requests: { cpu: `${m}m` } });
        expect(r.cpuRequestMillicores).toBe(m);
      }),
    );
  });
});

describe("toPodEntry + toContainerMeta", () => {
  const workload = { kind: "Deployment", name: "web" };
  const entry = toPodEntry(pod, workload);

  it("maps a running container id to namespace, pod, workload and its requests/limits", () => {
    expect(entry && toContainerMeta(entry, { containerId: ID_APP })).toEqual({
      namespace: "shop",
      podName: "web-7d9f-abcde",
      podUid: "u-1",
      containerName: "app",
      containerId: ID_APP,
      workloadKind: "Deployment",
      workloadName: "web",
      cpuRequestMillicores: 250,
      cpuLimitMillicores: 1500,
      memoryRequestBytes: 536_870_912,
      memoryLimitBytes: 1_073_741_824,
      labels: { app: "web", team: "storefront" },
    });
  });

  it("gives every container of the pod the same workload-level labels (no per-pod ones)", () => {
    const app = entry && toContainerMeta(entry, { containerId: ID_APP });
    const init = entry && toContainerMeta(entry, { containerId: ID_INIT });
    expect(app?.labels).toBe(init?.labels);
    expect(Object.isFrozen(app?.labels)).toBe(true);
  });

  it("finds a container by name for sources without runtime ids (kubelet)", () => {
    expect(
      entry && toContainerMeta(entry, { containerName: "app" }),
    ).toMatchObject({ containerId: ID_APP, workloadName: "web" });
    expect(
      entry && toContainerMeta(entry, { containerName: "nope" }),
    ).toBeUndefined();
  });

  it("knows init containers, and nothing about containers without an id", () => {
    expect(
      entry && toContainerMeta(entry, { containerId: ID_INIT })?.containerName,
    ).toBe("migrate");
    expect(entry?.containers.size).toBe(2);
    expect(
      entry && toContainerMeta(entry, { containerId: "c".repeat(64) }),
    ).toBeUndefined();
  });

  it("prefers the resources the kubelet reports after an in-place resize", () => {
    const resized = toPodEntry(
      {
        ...pod,
        status: {
          containerStatuses: [
            {
              name: "app",
              containerID: `containerd://${ID_APP}`,
              resources: { requests: { cpu: "300m" } },
            },
          ],
        },
      },
      workload,
    );
    expect(
      resized && toContainerMeta(resized, { containerId: ID_APP }),
    ).toMatchObject({
      cpuRequestMillicores: 300,
      memoryRequestBytes: 0,
    });
  });

  it("skips objects without identity", () => {
    expect(toPodEntry({ metadata: { name: "x" } }, workload)).toBeUndefined();
  });
});

describe("podLabels", () => {
  it("drops the labels controllers stamp per pod or revision, sorts the rest by key", () => {
    expect(
      Object.entries(
        podLabels({
          team: "payments",
          "pod-template-hash": "5c7d8",
          "controller-revision-hash": "web-5c7d8",
          "statefulset.kubernetes.io/pod-name": "db-0",
          "apps.kubernetes.io/pod-index": "0",
          "batch.kubernetes.io/job-name": "nightly-29001",
          "job-name": "nightly-29001",
          "controller-uid": "4b2c",
          "app.kubernetes.io/name": "checkout",
        }),
      ),
    ).toEqual([
      ["app.kubernetes.io/name", "checkout"],
      ["team", "payments"],
    ]);
    expect(podLabels(undefined)).toEqual({});
  });

  it("keeps at most MAX_POD_LABELS and never a value Kubernetes would refuse", () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_POD_LABELS + 10 }, (_, i) => [
        `k${String(i).padStart(3, "0")}`,
        "v",
      ]),
    );
    expect(Object.keys(podLabels(many))).toHaveLength(MAX_POD_LABELS);
    expect(podLabels({ long: "x".repeat(64), ok: "y" })).toEqual({ ok: "y" });
  });
});
