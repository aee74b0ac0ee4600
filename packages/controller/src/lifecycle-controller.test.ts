import { describe, expect, it } from "vitest";

import {
  hashRecommendedResources,
  type ResourceRecommendation,
  type ResourceRecommendationStatus,
} from "@kubewise/k8s";

import { createLifecycleController } from "./lifecycle-controller";
import {
  WriteRefusedError,
  type AuditSink,
  type LeaderElector,
  type RecommendationStore,
  type SignalsReader,
  type WorkloadStore,
} from "./ports";
import { healthyMetrics } from "./reconcile/__fixtures__/signals";
import { DEFAULT_CONTROLLER_POLICY } from "./reconcile/decision-context";

type Call = { op: string; name: string; body?: string };

const template = {
  spec: {
    containers: [
      {
        name: "app",
        resources: { requests: { cpu: "400m", memory: "512Mi" } },
      },
    ],
  },
};

function object(
  name: string,
  spec: Partial<ResourceRecommendation["spec"]> = {},
): ResourceRecommendation {
  const full: ResourceRecommendation["spec"] = {
    targetRef: { kind: "Deployment", name: name.replace("deployment-", "") },
    containers: [{ name: "app", requests: { cpu: "250m", memory: "384Mi" } }],
    confidence: 0.9,
    dryRun: true,
    autoApply: false,
    ...spec,
  };
  return {
    apiVersion: "kubewise.io/v1alpha1",
    kind: "ResourceRecommendation",
    metadata: { name, namespace: "shop", generation: 1 },
    spec: full,
  };
}

function fakes(options: {
  leader: boolean;
  objects?: ResourceRecommendation[];
  signalsFor?: SignalsReader;
  /** The API server refuses this workload's resources patch. */
  rejectPatchOf?: string;
}) {
  const calls: Call[] = [];
  const objects = new Map(
    (options.objects ?? []).map((o) => [o.metadata.name, o]),
  );
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
    get: (ref) => Promise.resolve(objects.get(ref.name)),
    apply: () =>
      Promise.reject(new Error("the controller never applies specs")),
    applyStatus(ref, status: ResourceRecommendationStatus) {
      calls.push({ op: "status", name: ref.name });
      const current = objects.get(ref.name);
      if (current) objects.set(ref.name, { ...current, status });
      return Promise.resolve();
    },
    applyBounds: () => Promise.resolve(),
    setApproval: () => Promise.resolve(),
    list: () => Promise.resolve([...objects.values()]),
  };
  const record = (op: string) => (ref: { name: string }, body?: unknown) => {
    calls.push({
      op,
      name: ref.name,
      ...(typeof body === "string" ? { body } : {}),
    });
    return Promise.resolve();
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
              name: ref.name,
              replicas: 2,
              template,
            },
          }),
    annotate: record("annotate"),
    patchResources: (ref, body) =>
      ref.name === options.rejectPatchOf
        ? Promise.reject(
            new WriteRefusedError(422, "admission webhook denied the request"),
          )
        : record("patch")(ref, body),
    setPartition: record("partition"),
    rollbackTemplate: record("rollback"),
    resizePod: record("resize"),
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
    signalsFor:
      options.signalsFor ??
      (() => {
        const view = healthyMetrics();
        return Promise.resolve(
          view.status === "read" ? view.signals : { containers: [] },
        );
      }),
    now: () => new Date("2026-01-01T00:00:00Z"),
  });
  return { controller, calls, objects, events };
}

function approved(name: string): ResourceRecommendation {
  const rec = object(name, { dryRun: false });
  rec.spec.approval = {
    state: "Approved",
    specHash: hashRecommendedResources(rec.spec),
  };
  return rec;
}

describe("createLifecycleController", () => {
  it("never writes when it is not the leader", async () => {
    const { controller, calls } = fakes({
      leader: false,
      objects: [approved("deployment-web")],
    });
    expect(await controller.tick()).toEqual({
      written: 0,
      skipped: 0,
      failed: 0,
    });
    expect(calls).toEqual([]);
  });

  it("reconciles a dry run once, then has nothing to write", async () => {
    const { controller, calls, objects, events } = fakes({
      leader: true,
      objects: [object("deployment-web")],
    });
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
    expect(calls.map((c) => c.op)).toEqual(["status"]);
    expect(events.map((e) => e.action)).toEqual(["dry-run"]);
  });

  it("sends status.generatedPatch byte for byte, after the apply record", async () => {
    const { controller, calls, objects } = fakes({
      leader: true,
      objects: [approved("deployment-web")],
    });
    await controller.tick();
    const status = objects.get("deployment-web")?.status;
    expect(status?.phase).toBe("Applied");
    expect(calls.map((c) => c.op)).toEqual(["annotate", "patch", "status"]);
    expect(calls[1]?.body).toBe(status?.generatedPatch);
  });

  it("isolates a failing object and continues with the next", async () => {
    const { controller, objects } = fakes({
      leader: true,
      objects: [object("deployment-broken"), object("deployment-web")],
    });
    expect(await controller.tick()).toEqual({
      written: 1,
      skipped: 0,
      failed: 1,
    });
    expect(objects.get("deployment-web")?.status?.phase).toBe("DryRun");
  });

  it("holds with a condition when the metric store cannot be read, and changes nothing", async () => {
    const { controller, calls, objects } = fakes({
      leader: true,
      objects: [approved("deployment-web")],
      signalsFor: () => Promise.reject(new Error("connection refused")),
    });
    await controller.tick();
    const status = objects.get("deployment-web")?.status;
    expect(calls.map((c) => c.op)).toEqual(["status"]);
    expect(status?.phase).toBe("Blocked");
    expect(status?.conditions).toContainEqual(
      expect.objectContaining({
        type: "MetricsAvailable",
        status: "False",
        reason: "MetricStoreUnreadable",
        message: expect.stringContaining("connection refused") as string,
      }),
    );
  });

  it("ends a patch the API server refuses in RolledBack with the refusal, and stops there", async () => {
    const { controller, calls, objects, events } = fakes({
      leader: true,
      objects: [approved("deployment-web")],
      rejectPatchOf: "web",
    });
    expect(await controller.tick()).toEqual({
      written: 1,
      skipped: 0,
      failed: 0,
    });
    const status = objects.get("deployment-web")?.status;
    expect(status?.phase).toBe("RolledBack");
    expect(status?.rolledBack).toMatchObject({
      reason: "PatchRejected",
      message:
        "the API server refused the pod template patch (422: admission webhook denied the request)",
    });
    expect(events.map((e) => e.action)).toEqual(["rollback"]);
    // nothing to restore (the template patch never landed); terminal for this spec
    await controller.tick();
    expect(calls.map((c) => c.op)).toEqual(["annotate", "status"]);
  });
});
