import { describe, expect, it } from "vitest";

import {
  hashRecommendedResources,
  MANAGED_BY_LABEL,
  type ResourceRecommendation,
  type ResourceRecommendationApply,
  type VpaContainerRecommendation,
  type WorkloadRecommendation,
} from "@kubewise/k8s";

import type { RecommendationStore, WorkloadStore } from "./ports";
import { createRecommendationPublisher } from "./publisher";

const MI = 2 ** 20;
const recommendation: WorkloadRecommendation = {
  namespace: "shop",
  target: { kind: "Deployment", name: "web" },
  containers: [
    {
      name: "app",
      requests: { cpuMillicores: 250, memoryBytes: 256 * MI },
      limits: { memoryBytes: 300 * MI },
      bounds: {
        lowerBound: { cpuMillicores: 200, memoryBytes: 200 * MI },
        upperBound: { cpuMillicores: 400, memoryBytes: 400 * MI },
        uncappedTarget: { cpuMillicores: 250, memoryBytes: 256 * MI },
      },
    },
  ],
  confidence: 0.9,
  policy: "test",
  generatedAt: new Date("2026-01-01T00:00:00Z"),
};

function fakeStore(existing?: Partial<ResourceRecommendation>) {
  const applied: ResourceRecommendationApply[] = [];
  const bounds: VpaContainerRecommendation[][] = [];
  const store: RecommendationStore = {
    get: () =>
      Promise.resolve(
        existing
          ? ({
              apiVersion: "kubewise.io/v1alpha1",
              kind: "ResourceRecommendation",
              metadata: { name: "deployment-web", namespace: "shop" },
              spec: { ...existing.spec },
              ...existing,
            } as ResourceRecommendation)
          : undefined,
      ),
    apply(object) {
      applied.push(object);
      return Promise.resolve({
        ...object,
        spec: { ...object.spec, dryRun: true, autoApply: false },
      } as ResourceRecommendation);
    },
    applyStatus: () => Promise.resolve(),
    applyBounds(_ref, b) {
      bounds.push(b);
      return Promise.resolve();
    },
    setApproval: () => Promise.resolve(),
    list: () => Promise.resolve([]),
  };
  return { store, applied, bounds };
}

const workloads: Pick<WorkloadStore, "observe"> = {
  observe: () =>
    Promise.resolve({
      uid: "uid-1",
      pods: [],
      pdbs: [],
      workload: { kind: "Deployment", name: "web", replicas: 2, template: {} },
    }),
};
const logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The spec of the listed objects. */
const LISTED_SPEC = {
  targetRef: { kind: "Deployment" as const, name: "web" },
  containers: [{ name: "app", requests: { cpu: "1" } }],
  confidence: 0.9,
  dryRun: true,
  autoApply: false,
};

describe("createRecommendationPublisher (the one production CRD publisher)", () => {
  it("applies the spec with the workload as owner, then the VPA-style bounds", async () => {
    const { store, applied, bounds } = fakeStore();
    const publisher = createRecommendationPublisher({
      recommendations: store,
      workloads,
      logger,
    });
    await publisher.publish(recommendation);
    expect(applied[0]?.metadata.ownerReferences).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "uid-1" },
    ]);
    expect(applied[0]?.spec.containers).toEqual([
      {
        name: "app",
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { memory: "300Mi" },
      },
    ]);
    expect(bounds).toEqual([
      [
        {
          containerName: "app",
          target: { cpu: "250m", memory: "256Mi" },
          lowerBound: { cpu: "200m", memory: "200Mi" },
          upperBound: { cpu: "400m", memory: "400Mi" },
          uncappedTarget: { cpu: "250m", memory: "256Mi" },
        },
      ],
    ]);
  });

  it("raises the recommendation to the floor an OOM rollback left on its object", async () => {
    const { store, applied, bounds } = fakeStore({
      status: {
        rolledBack: {
          at: "2026-01-01T00:00:00Z",
          reason: "OOMKilled",
          message: "oom",
          restored: [],
          nextMinimumMemoryBytes: [{ name: "app", memoryBytes: 356 * MI }],
        },
      },
    });
    const warnings: string[] = [];
    await createRecommendationPublisher({
      recommendations: store,
      workloads,
      logger: { ...logger, warn: (_f, m) => warnings.push(m) },
    }).publish(recommendation);
    expect(applied[0]?.spec.containers[0]).toMatchObject({
      requests: { memory: "356Mi" },
      limits: { memory: "356Mi" },
    });
    expect(bounds[0]?.[0]?.target.memory).toBe("356Mi");
    expect(warnings).toEqual([
      "kubewise raised a recommendation to its rollback floor",
    ]);
  });

  it("lists only Kubewise-managed objects with their spec hash, phase and rollback", async () => {
    const object = (name: string, labels: Record<string, string>) =>
      ({
        apiVersion: "kubewise.io/v1alpha1",
        kind: "ResourceRecommendation",
        metadata: { name, namespace: "shop", labels },
        spec: LISTED_SPEC,
        status: { phase: "Applied" },
      }) as ResourceRecommendation;
    const { store } = fakeStore();
    store.list = () =>
      Promise.resolve([
        object("deployment-web", { [MANAGED_BY_LABEL]: "kubewise" }),
        object("hand-made", {}),
      ]);
    expect(
      await createRecommendationPublisher({
        recommendations: store,
        workloads,
        logger,
      }).listStatuses(),
    ).toEqual([
      {
        namespace: "shop",
        name: "deployment-web",
        specHash: hashRecommendedResources(LISTED_SPEC),
        approval: undefined,
        phase: "Applied",
        rolledBack: undefined,
      },
    ]);
  });

  it("lists no phase of a previous spec the controller has not reconciled the new one against", async () => {
    const object = (name: string, specHash: string) =>
      ({
        apiVersion: "kubewise.io/v1alpha1",
        kind: "ResourceRecommendation",
        metadata: {
          name,
          namespace: "shop",
          labels: { [MANAGED_BY_LABEL]: "kubewise" },
        },
        spec: LISTED_SPEC,
        status: { phase: "RolledBack", specHash },
      }) as ResourceRecommendation;
    const { store } = fakeStore();
    store.list = () =>
      Promise.resolve([
        object("deployment-web", hashRecommendedResources(LISTED_SPEC)),
        object("deployment-replaced", "the-previous-spec"),
      ]);
    const statuses = await createRecommendationPublisher({
      recommendations: store,
      workloads,
      logger,
    }).listStatuses();
    expect(statuses.map((s) => [s.name, s.phase])).toEqual([
      ["deployment-web", "RolledBack"],
      ["deployment-replaced", undefined],
    ]);
  });
});
