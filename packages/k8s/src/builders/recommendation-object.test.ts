import { describe, expect, it } from "vitest";

import { ResourceRecommendationSpecSchema } from "../crd/resource-recommendation";
import {
  applyRollbackFloors,
  buildContainerRecommendations,
  buildRecommendationPatch,
  buildResourceRecommendation,
  hashRecommendedResources,
  toContainerResources,
  toRecommendationName,
} from "./recommendation-object";

const MI = 2 ** 20;
const input = {
  namespace: "shop",
  target: { kind: "Deployment" as const, name: "web", uid: "uid-1" },
  containers: [
    {
      name: "app",
      requests: { cpuMillicores: 250, memoryBytes: 256 * MI },
      limits: { memoryBytes: 512 * MI },
      windows: [
        {
          window: "peak" as const,
          requests: { cpuMillicores: 500, memoryBytes: 384 * MI },
        },
      ],
      bounds: {
        lowerBound: { cpuMillicores: 100, memoryBytes: 200 * MI },
        upperBound: { cpuMillicores: 400, memoryBytes: 300 * MI },
        uncappedTarget: { cpuMillicores: 250, memoryBytes: 256 * MI },
      },
    },
  ],
  confidence: 0.91234,
  policy: "kubewise-forecast",
  generatedAt: new Date("2026-01-02T03:04:05.678Z"),
};

describe("buildResourceRecommendation", () => {
  it("builds a complete object with deterministic name, labels and owner reference", () => {
    expect(buildResourceRecommendation(input)).toEqual({
      apiVersion: "kubewise.io/v1alpha1",
      kind: "ResourceRecommendation",
      metadata: {
        name: "deployment-web",
        namespace: "shop",
        labels: {
          "app.kubernetes.io/managed-by": "kubewise",
          "kubewise.io/target-kind": "Deployment",
          "kubewise.io/target-name": "web",
        },
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "web",
            uid: "uid-1",
          },
        ],
      },
      spec: {
        targetRef: { kind: "Deployment", name: "web" },
        containers: [
          {
            name: "app",
            requests: { cpu: "250m", memory: "256Mi" },
            limits: { memory: "512Mi" },
            windows: [
              { window: "peak", requests: { cpu: "500m", memory: "384Mi" } },
            ],
          },
        ],
        confidence: 0.912,
        source: {
          policy: "kubewise-forecast",
          generatedAt: "2026-01-02T03:04:05.678Z",
        },
      },
    });
  });

  it("leaves dryRun, autoApply and approval to their owners", () => {
    const spec = buildResourceRecommendation(input).spec;
    expect(spec).not.toHaveProperty("dryRun");
    expect(spec).not.toHaveProperty("autoApply");
    expect(spec).not.toHaveProperty("approval");
    expect(ResourceRecommendationSpecSchema.parse(spec)).toMatchObject({
      dryRun: true,
      autoApply: false,
    });
  });

  it("omits the owner reference when the workload uid is unknown", () => {
    const obj = buildResourceRecommendation({
      ...input,
      target: { kind: "StatefulSet", name: "db" },
    });
    expect(obj.metadata).not.toHaveProperty("ownerReferences");
    expect(obj.metadata.name).toBe("statefulset-db");
  });

  it("hashes label values that exceed 63 characters", () => {
    const name = "a".repeat(80);
    const obj = buildResourceRecommendation({
      ...input,
      target: { kind: "DaemonSet", name },
    });
    const label = obj.metadata.labels?.["kubewise.io/target-name"] ?? "";
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).not.toBe(name.slice(0, 63));
    expect(toRecommendationName({ kind: "DaemonSet", name })).toBe(
      `daemonset-${name}`,
    );
  });
});

describe("buildContainerRecommendations", () => {
  it("maps bounds to the VPA status shape, defaulting uncappedTarget to the target", () => {
    expect(buildContainerRecommendations(input.containers)).toEqual([
      {
        containerName: "app",
        target: { cpu: "250m", memory: "256Mi" },
        lowerBound: { cpu: "100m", memory: "200Mi" },
        upperBound: { cpu: "400m", memory: "300Mi" },
        uncappedTarget: { cpu: "250m", memory: "256Mi" },
      },
    ]);
    const [withoutBounds] = buildContainerRecommendations([
      { name: "app", requests: { cpuMillicores: 5 }, limits: {} },
    ]);
    expect(withoutBounds?.uncappedTarget).toEqual({ cpu: "5m" });
  });
});

describe("spec -> resources -> patch", () => {
  const spec = buildResourceRecommendation(input).spec;

  it("reads back exactly the resources it was built from", () => {
    expect(toContainerResources(spec)).toEqual([
      {
        name: "app",
        requests: input.containers[0]!.requests,
        limits: input.containers[0]!.limits,
      },
    ]);
  });

  it("removes the CPU limit the recommendation leaves unset", () => {
    expect(buildRecommendationPatch(spec)).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "app",
                resources: {
                  requests: { cpu: "250m", memory: "256Mi" },
                  limits: { cpu: null, memory: "512Mi" },
                },
              },
            ],
          },
        },
      },
    });
  });

  it("hashes the patch: same spec, same hash; any change, another", () => {
    expect(hashRecommendedResources(spec)).toBe(
      hashRecommendedResources(structuredClone(spec)),
    );
    expect(hashRecommendedResources(spec)).toMatch(/^[0-9a-f]{32}$/);
    const changed = structuredClone(spec);
    changed.containers[0]!.limits = {};
    expect(hashRecommendedResources(changed)).not.toBe(
      hashRecommendedResources(spec),
    );
  });

  it("owns a CronJob through batch/v1", () => {
    const obj = buildResourceRecommendation({
      ...input,
      target: { kind: "CronJob", name: "nightly", uid: "u" },
    });
    expect(obj.metadata.ownerReferences).toEqual([
      { apiVersion: "batch/v1", kind: "CronJob", name: "nightly", uid: "u" },
    ]);
  });
});

describe("applyRollbackFloors", () => {
  const rolledBack = {
    at: "2026-01-01T00:00:00Z",
    reason: "OOMKilled" as const,
    message: "oom",
    restored: [],
    nextMinimumMemoryBytes: [{ name: "app", memoryBytes: 356 * MI }],
  };

  it("raises memory requests (and limits below) to the floor left by an OOM rollback", () => {
    const [c] = applyRollbackFloors(input, rolledBack).containers;
    expect(c?.requests.memoryBytes).toBe(356 * MI);
    expect(c?.limits.memoryBytes).toBe(512 * MI);
    expect(c?.requests.cpuMillicores).toBe(250);
  });

  it("keeps recommendations that are already above the floor", () => {
    const high = {
      ...input,
      containers: [
        { name: "app", requests: { memoryBytes: 400 * MI }, limits: {} },
      ],
    };
    expect(applyRollbackFloors(high, rolledBack)).toEqual(high);
    expect(applyRollbackFloors(high, undefined)).toBe(high);
  });
});
