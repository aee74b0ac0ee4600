import { describe, expect, it } from "vitest";

import type { LeaderElector } from "../client/lease-elector";
import type { RecommendationStore } from "../client/recommendation-store";
import type { WorkloadStore } from "../client/workload-store";
import type {
  ResourceRecommendation,
  ResourceRecommendationStatus,
} from "../crd/resource-recommendation";
import {
  createLifecycleController,
  type AuditSink,
} from "./lifecycle-controller";
import { DEFAULT_CONTROLLER_POLICY } from "./reconcile";

type Call = { op: string; name: string };

function fakes(options: { leader: boolean; dryRun?: boolean }) {
  const calls: Call[] = [];
  const objects = new Map<string, ResourceRecommendation>();
  let leader = options.leader;
  const elector: LeaderElector = {
    identity: "test",
    tryAcquireOrRenew: () => Promise.resolve(leader),
    isLeader: () => leader,
    release: () => {
      leader = false;
      return Promise.resolve();
    },
  };
  const recommendations: RecommendationStore = {
    apply(object) {
      calls.push({ op: "apply", name: object.metadata.name });
      const stored: ResourceRecommendation = {
        ...object,
        metadata: { ...object.metadata, generation: 1 },
        spec: {
          ...object.spec,
          dryRun: options.dryRun ?? true,
          autoApply: false,
        },
      };
      objects.set(object.metadata.name, stored);
      return Promise.resolve(stored);
    },
    applyStatus(ref, status: ResourceRecommendationStatus) {
      calls.push({ op: "status", name: ref.name });
      const current = objects.get(ref.name);
      if (current) objects.set(ref.name, { ...current, status });
      return Promise.resolve();
    },
    setApproval: () => Promise.resolve(),
    list: () => Promise.resolve([...objects.values()]),
  };
  const workloads: WorkloadStore = {
    observe: (ref) =>
      ref.name === "broken"
        ? Promise.reject(new Error("boom"))
        : Promise.resolve({
            uid: "uid-1",
            pods: [],
            pdbs: [],
            workload: {
              kind: "Deployment",
              name: "web",
              replicas: 2,
              template: {
                spec: {
                  containers: [
                    { name: "app", resources: { requests: { cpu: "1" } } },
                  ],
                },
              },
            },
          }),
    patchTemplate: (ref) => {
      calls.push({ op: "patch", name: ref.name });
      return Promise.resolve();
    },
    rollbackTemplate: (ref) => {
      calls.push({ op: "rollback", name: ref.name });
      return Promise.resolve();
    },
    resizePod: (ref) => {
      calls.push({ op: "resize", name: ref.name });
      return Promise.resolve();
    },
  };
  const events: Parameters<AuditSink["record"]>[0][] = [];
  const controller = createLifecycleController({
    recommendations,
    workloads,
    elector,
    audit: {
      record: (e) => {
        events.push(e);
        return Promise.resolve();
      },
    },
    logger: {
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
    policyFor: () => Promise.resolve(DEFAULT_CONTROLLER_POLICY),
    now: () => new Date("2026-01-01T00:00:00Z"),
  });
  return { controller, calls, objects, events };
}

const input = {
  namespace: "shop",
  target: { kind: "Deployment" as const, name: "web" },
  containers: [{ name: "app", requests: { cpuMillicores: 250 } }],
  confidence: 0.9,
  policy: "test",
  generatedAt: new Date("2026-01-01T00:00:00Z"),
};

describe("createLifecycleController", () => {
  it("never writes when it is not the leader", async () => {
    const { controller, calls } = fakes({ leader: false });
    expect(await controller.publish([input])).toEqual({
      written: 0,
      skipped: 1,
      failed: 0,
    });
    expect(await controller.tick()).toEqual({
      written: 0,
      skipped: 0,
      failed: 0,
    });
    expect(calls).toEqual([]);
  });

  it("publishes with the workload uid and VPA-style bounds, then reconciles a dry run once", async () => {
    const { controller, calls, objects, events } = fakes({ leader: true });
    expect(await controller.publish([input])).toEqual({
      written: 1,
      skipped: 0,
      failed: 0,
    });
    const stored = objects.get("deployment-web");
    expect(stored?.metadata.ownerReferences).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "uid-1" },
    ]);
    expect(stored?.status?.containerRecommendations?.[0]?.containerName).toBe(
      "app",
    );
    expect(await controller.tick()).toEqual({
      written: 1,
      skipped: 0,
      failed: 0,
    });
    expect(objects.get("deployment-web")?.status?.phase).toBe("DryRun");
    expect(await controller.tick()).toEqual({
      written: 0,
      skipped: 1,
      failed: 0,
    });
    expect(calls.map((c) => c.op)).toEqual(["apply", "status", "status"]);
    expect(events.map((e) => e.action)).toEqual(["dry-run"]);
  });

  it("isolates a failing object and continues with the next", async () => {
    const { controller, objects } = fakes({ leader: true });
    const counts = await controller.publish([
      { ...input, target: { kind: "Deployment", name: "broken" } },
      input,
    ]);
    expect(counts).toEqual({ written: 1, skipped: 0, failed: 1 });
    expect([...objects.keys()]).toEqual(["deployment-web"]);
  });
});
