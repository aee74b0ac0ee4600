import { describe, expect, it } from "vitest";

import {
  buildApplyPatch,
  buildPodResizePatch,
  buildResourcesPatch,
  buildRollbackPatch,
  extractContainerResources,
  mergeAppliedResources,
  readApplyAnnotation,
} from "./workload-patch";

const template = {
  spec: {
    containers: [
      {
        name: "app",
        image: "nginx",
        resources: {
          requests: { cpu: "1", memory: "1Gi" },
          limits: { memory: "2Gi" },
        },
      },
      { name: "sidecar", image: "envoy" },
    ],
  },
};
const spec = {
  containers: [
    {
      name: "app",
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "500m" },
    },
  ],
};

describe("extractContainerResources", () => {
  it("copies requests and limits exactly, leaving absent maps absent", () => {
    expect(extractContainerResources(template)).toEqual([
      {
        name: "app",
        requests: { cpu: "1", memory: "1Gi" },
        limits: { memory: "2Gi" },
      },
      { name: "sidecar" },
    ]);
    expect(extractContainerResources(template, ["sidecar"])).toEqual([
      { name: "sidecar" },
    ]);
  });
});

describe("buildResourcesPatch", () => {
  it("sets only the recommended quantities per container by name", () => {
    expect(buildResourcesPatch(spec)).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "app",
                resources: {
                  requests: { cpu: "250m", memory: "256Mi" },
                  limits: { cpu: "500m" },
                },
              },
            ],
          },
        },
      },
    });
  });

  it("builds the same container list for the pods/resize subresource", () => {
    expect(buildPodResizePatch(spec).spec.containers).toEqual(
      buildResourcesPatch(spec).spec.template.spec.containers,
    );
  });
});

describe("apply record", () => {
  const previous = extractContainerResources(template, ["app"]);

  it("predicts the merged resources after a strategic merge", () => {
    expect(mergeAppliedResources(previous, buildResourcesPatch(spec))).toEqual([
      {
        name: "app",
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { memory: "2Gi", cpu: "500m" },
      },
    ]);
  });

  it("round-trips the previous resources through workload annotations", () => {
    const patch = buildApplyPatch(spec, {
      recommendation: "deployment-web",
      generation: 3,
      previous,
    });
    expect(readApplyAnnotation(patch.metadata?.annotations)).toEqual({
      recommendation: "deployment-web",
      generation: 3,
      previous,
    });
  });

  it.each([
    [undefined],
    [{ "kubewise.io/applied-recommendation": "x@1" }],
    [
      {
        "kubewise.io/applied-recommendation": "x@one",
        "kubewise.io/previous-resources": "[]",
      },
    ],
    [
      {
        "kubewise.io/applied-recommendation": "x@1",
        "kubewise.io/previous-resources": "{not json",
      },
    ],
  ])("ignores missing or malformed annotations %j", (annotations) => {
    expect(readApplyAnnotation(annotations)).toBeUndefined();
  });
});

describe("buildRollbackPatch", () => {
  it("restores exact previous maps and removes maps that did not exist before", () => {
    const after = {
      spec: {
        containers: [
          { name: "sidecar", resources: { requests: { cpu: "10m" } } },
          {
            name: "app",
            resources: {
              requests: { cpu: "250m" },
              limits: { cpu: "500m", memory: "2Gi" },
            },
          },
        ],
      },
    };
    const previous = [
      {
        name: "app",
        requests: { cpu: "1", memory: "1Gi" },
        limits: { memory: "2Gi" },
      },
      { name: "sidecar" },
    ];
    expect(buildRollbackPatch(after, previous)).toEqual([
      {
        op: "test",
        path: "/spec/template/spec/containers/1/name",
        value: "app",
      },
      {
        op: "add",
        path: "/spec/template/spec/containers/1/resources/requests",
        value: { cpu: "1", memory: "1Gi" },
      },
      {
        op: "add",
        path: "/spec/template/spec/containers/1/resources/limits",
        value: { memory: "2Gi" },
      },
      {
        op: "test",
        path: "/spec/template/spec/containers/0/name",
        value: "sidecar",
      },
      {
        op: "remove",
        path: "/spec/template/spec/containers/0/resources/requests",
      },
    ]);
  });

  it("creates the resources object when the container has none", () => {
    const ops = buildRollbackPatch(
      { spec: { containers: [{ name: "app" }] } },
      [{ name: "app", requests: { cpu: "1" } }],
    );
    expect(ops).toContainEqual({
      op: "add",
      path: "/spec/template/spec/containers/0/resources",
      value: {},
    });
  });

  it("refuses to roll back a container that was removed from the template", () => {
    expect(() =>
      buildRollbackPatch({ spec: { containers: [] } }, [{ name: "app" }]),
    ).toThrow(/no longer exists/);
  });
});
