import { afterEach, describe, expect, it } from "vitest";

import type { PodObject } from "../../domain/pod-metadata";
import { KubeApiError, type KubeReader, type WatchEvent } from "./kube-http";
import {
  startPodMetadataWatcher,
  type PodMetadataWatcher,
} from "./pod-metadata-watcher";

const id = (c: string) => c.repeat(64);

function makePod(
  uid: string,
  owner: { kind: string; name: string } | undefined,
  containerId: string | undefined,
  resourceVersion = "1",
): PodObject & { metadata: { resourceVersion: string } } {
  return {
    metadata: {
      uid,
      name: `pod-${uid}`,
      namespace: "shop",
      resourceVersion,
      ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}),
    },
    spec: {
      containers: [
        {
          name: "app",
          resources: { requests: { cpu: "100m", memory: "64Mi" } },
        },
      ],
    },
    status: {
      containerStatuses: [
        {
          name: "app",
          ...(containerId
            ? { containerID: `containerd://${containerId}` }
            : {}),
        },
      ],
    },
  };
}

type Session = { events: WatchEvent[]; end?: Error };

/** Scripted API: list pages, owner objects by path, and watch sessions in order. */
function fakeReader(script: {
  lists: PodObject[][];
  objects?: Record<string, unknown>;
  sessions?: Session[];
}) {
  const calls = { gets: [] as string[], watches: [] as string[] };
  let listCall = 0;
  const reader: KubeReader = {
    getJson(path) {
      calls.gets.push(path);
      if (path.startsWith("/api/v1/pods")) {
        const items = script.lists[Math.min(listCall, script.lists.length - 1)];
        listCall += 1;
        return Promise.resolve({
          metadata: { resourceVersion: `list-${listCall}` },
          items,
        });
      }
      const object = script.objects?.[path];
      return object instanceof Error
        ? Promise.reject(object)
        : object === undefined
          ? Promise.reject(new KubeApiError(404, "not found"))
          : Promise.resolve(object);
    },
    watch(path, onEvent, signal) {
      calls.watches.push(path);
      const session = script.sessions?.shift();
      if (session === undefined)
        return new Promise((resolve) =>
          signal.addEventListener("abort", () => resolve()),
        );
      try {
        for (const event of session.events) onEvent(event);
      } catch (error) {
        return Promise.reject(
          error instanceof Error ? error : new Error(String(error)),
        );
      }
      return session.end ? Promise.reject(session.end) : Promise.resolve();
    },
  };
  return { reader, calls };
}

const RS = "/apis/apps/v1/namespaces/shop/replicasets/web-1";
const JOB = "/apis/batch/v1/namespaces/shop/jobs/backup-1";
const OBJECTS = {
  [RS]: {
    metadata: {
      ownerReferences: [{ kind: "Deployment", name: "web", controller: true }],
    },
  },
  [JOB]: {
    metadata: {
      ownerReferences: [{ kind: "CronJob", name: "backup", controller: true }],
    },
  },
};
const silent = { info: () => undefined, warn: () => undefined };

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++)
    await new Promise((resolve) => setTimeout(resolve, 2));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

let watcher: PodMetadataWatcher | undefined;
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
});

function start(reader: KubeReader, maxPods = 10) {
  watcher = startPodMetadataWatcher({
    reader,
    nodeName: "node-1",
    logger: silent,
    maxPods,
    backoff: { initialMs: 1, maxMs: 2 },
  });
  return watcher;
}

describe("pod metadata watcher", () => {
  it("lists this node's pods and resolves ReplicaSet -> Deployment and Job -> CronJob once per owner", async () => {
    const { reader, calls } = fakeReader({
      lists: [
        [
          makePod("u1", { kind: "ReplicaSet", name: "web-1" }, id("a")),
          makePod("u2", { kind: "ReplicaSet", name: "web-1" }, id("b")),
          makePod("u3", { kind: "Job", name: "backup-1" }, id("c")),
          makePod("u4", { kind: "StatefulSet", name: "db" }, id("d")),
          makePod("u5", undefined, id("e")),
        ],
      ],
      objects: OBJECTS,
    });
    const w = start(reader);
    await until("the watch", () => calls.watches.length === 1);
    const workloadOf = (uid: string, c: string) => {
      const meta = w.lookup({ podUid: uid, containerId: id(c) });
      return (
        meta && `${meta.namespace}/${meta.workloadKind}/${meta.workloadName}`
      );
    };
    expect(
      [
        ["u1", "a"],
        ["u2", "b"],
        ["u3", "c"],
        ["u4", "d"],
        ["u5", "e"],
      ].map(([u, c]) => workloadOf(u ?? "", c ?? "")),
    ).toEqual([
      "shop/Deployment/web",
      "shop/Deployment/web",
      "shop/CronJob/backup",
      "shop/StatefulSet/db",
      "shop/Pod/pod-u5",
    ]);
    expect(w.lookup({ podUid: "u1", containerId: id("a") })).toMatchObject({
      containerName: "app",
      cpuRequestMillicores: 100,
      memoryRequestBytes: 67_108_864,
    });
    expect(
      w.lookup({ podUid: "u4", containerId: "", containerName: "app" }),
    ).toMatchObject({ containerId: id("d"), workloadName: "db" });
    expect(calls.gets.filter((p) => p === RS)).toHaveLength(1);
    expect(calls.gets[0]).toContain("fieldSelector=spec.nodeName%3Dnode-1");
    expect(calls.watches[0]).toContain("resourceVersion=list-1");
  });

  it("applies added, modified and deleted pods, and resumes from the last resourceVersion", async () => {
    const { reader, calls } = fakeReader({
      lists: [[makePod("u1", undefined, id("a"))]],
      sessions: [
        {
          events: [
            { type: "ADDED", object: makePod("u2", undefined, undefined, "7") },
            {
              type: "MODIFIED",
              object: makePod("u2", undefined, id("b"), "8"),
            },
            { type: "DELETED", object: makePod("u1", undefined, id("a"), "9") },
            {
              type: "BOOKMARK",
              object: { metadata: { resourceVersion: "12" } },
            },
          ],
        },
      ],
    });
    const w = start(reader);
    await until("second watch", () => calls.watches.length === 2);
    expect(w.lookup({ podUid: "u2", containerId: id("b") })?.podName).toBe(
      "pod-u2",
    );
    expect(w.lookup({ podUid: "u1", containerId: id("a") })).toBeUndefined();
    expect(calls.watches[1]).toContain("resourceVersion=12");
    expect(w.stats()).toMatchObject({ pods: 1, relists: 1, watchErrors: 0 });
  });

  it("relists at once when the watch answers 410 Gone, and backs off on other errors", async () => {
    const { reader, calls } = fakeReader({
      lists: [
        [makePod("u1", undefined, id("a"))],
        [makePod("u9", undefined, id("f"))],
      ],
      sessions: [
        { events: [], end: new Error("ECONNRESET") },
        {
          events: [
            { type: "ERROR", object: { code: 410, message: "too old" } },
          ],
        },
      ],
    });
    const w = start(reader);
    await until("third watch", () => calls.watches.length === 3);
    expect(w.stats()).toMatchObject({ relists: 2, watchErrors: 1, pods: 1 });
    expect(w.lookup({ podUid: "u9", containerId: id("f") })).toBeDefined();
    expect(w.lookup({ podUid: "u1", containerId: id("a") })).toBeUndefined();
    expect(calls.watches[1]).toContain("resourceVersion=list-1");
    expect(calls.watches[2]).toContain("resourceVersion=list-2");
  });

  it("keeps at most maxPods pods and counts the rest", async () => {
    const pods = ["u1", "u2", "u3"].map((u) => makePod(u, undefined, id("a")));
    const w = start(fakeReader({ lists: [pods] }).reader, 2);
    await w.synced();
    expect(w.stats()).toMatchObject({ pods: 2, ignoredPods: 1 });
  });

  it("falls back to the ReplicaSet when its owner cannot be read, and asks again on the next event", async () => {
    const { reader, calls } = fakeReader({
      lists: [[makePod("u1", { kind: "ReplicaSet", name: "web-1" }, id("a"))]],
      objects: { [RS]: new Error("ETIMEDOUT") },
      sessions: [
        {
          events: [
            {
              type: "MODIFIED",
              object: makePod(
                "u1",
                { kind: "ReplicaSet", name: "web-1" },
                id("a"),
                "5",
              ),
            },
          ],
        },
      ],
    });
    const w = start(reader);
    await until("second watch", () => calls.watches.length === 2);
    expect(w.lookup({ podUid: "u1", containerId: id("a") })).toMatchObject({
      workloadKind: "ReplicaSet",
      workloadName: "web-1",
    });
    expect(calls.gets.filter((p) => p === RS)).toHaveLength(2);
  });
});
