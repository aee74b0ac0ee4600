import { describe, expect, it } from "vitest";

import {
  buildApplyRecordPatch,
  buildPodRestorePatch,
  buildRollbackPatch,
  extractContainerResources,
  inPlaceResizeBlocker,
  isResizableInPlace,
  mergeAppliedResources,
  podQosClass,
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
const recommended = [
  {
    name: "app",
    requests: { cpuMillicores: 250, memoryBytes: 256 * 2 ** 20 },
    limits: { cpuMillicores: 500 },
  },
];

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

describe("apply record", () => {
  const previous = extractContainerResources(template, ["app"]);

  it("predicts the resources after the patch: unset ones removed, others kept", () => {
    const withGpu = [
      {
        name: "app",
        requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" },
        limits: { memory: "2Gi", "nvidia.com/gpu": "1" },
      },
    ];
    expect(mergeAppliedResources(withGpu, recommended)).toEqual([
      {
        name: "app",
        requests: { cpu: "250m", memory: "256Mi", "nvidia.com/gpu": "1" },
        limits: { cpu: "500m", "nvidia.com/gpu": "1" },
      },
    ]);
    expect(mergeAppliedResources([], recommended)).toEqual([
      {
        name: "app",
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { cpu: "500m" },
      },
    ]);
  });

  it("round-trips the previous resources through workload annotations", () => {
    const patch = buildApplyRecordPatch({
      recommendation: "deployment-web",
      generation: 3,
      previous,
    });
    expect(readApplyAnnotation(patch.metadata.annotations)).toEqual({
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
    expect(
      buildRollbackPatch("Deployment", { template: after, previous }),
    ).toEqual([
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
    const ops = buildRollbackPatch("Deployment", {
      template: { spec: { containers: [{ name: "app" }] } },
      previous: [{ name: "app", requests: { cpu: "1" } }],
    });
    expect(ops).toContainEqual({
      op: "add",
      path: "/spec/template/spec/containers/0/resources",
      value: {},
    });
  });

  it("refuses to roll back a container that was removed from the template", () => {
    expect(() =>
      buildRollbackPatch("Deployment", {
        template: { spec: { containers: [] } },
        previous: [{ name: "app" }],
      }),
    ).toThrow(/no longer exists/);
  });

  it("restores a CronJob's job template", () => {
    const ops = buildRollbackPatch("CronJob", {
      template,
      previous: [{ name: "app", requests: { cpu: "1" } }],
    });
    expect(ops[0]).toEqual({
      op: "test",
      path: "/spec/jobTemplate/spec/template/spec/containers/0/name",
      value: "app",
    });
  });
});

describe("pods/resize", () => {
  const previous = [
    {
      name: "app",
      requests: { cpu: "1", memory: "1Gi" },
      limits: { memory: "2Gi" },
    },
  ];

  it("restores exact quantities and deletes keys the change added", () => {
    const applied = [
      {
        name: "app",
        requests: { cpu: "250m", memory: "1Gi" },
        limits: { memory: "2Gi", cpu: "1" },
      },
    ];
    expect(buildPodRestorePatch(previous, applied)).toEqual({
      spec: {
        containers: [
          {
            name: "app",
            resources: {
              requests: { cpu: "1", memory: "1Gi" },
              limits: { memory: "2Gi", cpu: null },
            },
          },
        ],
      },
    });
  });

  it("resizes in place only when no request or limit appears or disappears (QoS class)", () => {
    const sameKeys = [
      {
        name: "app",
        requests: { cpu: "2", memory: "2Gi" },
        limits: { memory: "3Gi" },
      },
    ];
    expect(isResizableInPlace(previous, sameKeys)).toBe(true);
    expect(
      isResizableInPlace(previous, [{ ...sameKeys[0]!, limits: {} }]),
    ).toBe(false);
    expect(
      isResizableInPlace(previous, [
        { ...sameKeys[0]!, limits: { memory: "3Gi", cpu: "1" } },
      ]),
    ).toBe(false);
  });
});

describe("podQosClass and inPlaceResizeBlocker", () => {
  it("derives the class as the kubelet does (unset requests default to the limits)", () => {
    expect(podQosClass([{ name: "a" }])).toBe("BestEffort");
    expect(
      podQosClass([{ name: "a", limits: { cpu: "500m", memory: "256Mi" } }]),
    ).toBe("Guaranteed");
    expect(
      podQosClass([
        {
          name: "a",
          requests: { cpu: "0.5", memory: "268435456" },
          limits: { cpu: "500m", memory: "256Mi" },
        },
      ]),
    ).toBe("Guaranteed");
    expect(
      podQosClass([
        {
          name: "a",
          requests: { cpu: "500m", memory: "256Mi" },
          limits: { cpu: "500m", memory: "256Mi" },
        },
        { name: "sidecar" },
      ]),
    ).toBe("Burstable");
  });

  it("names a change of the pod's QoS class; other containers count for the class", () => {
    const previous = [
      {
        name: "app",
        requests: { cpu: "500m", memory: "256Mi" },
        limits: { cpu: "1", memory: "256Mi" },
      },
    ];
    const equal = [
      {
        name: "app",
        requests: { cpu: "100m", memory: "64Mi" },
        limits: { cpu: "100m", memory: "64Mi" },
      },
    ];
    expect(inPlaceResizeBlocker(previous, equal)).toBe(
      "the pod's QoS class would change from Burstable to Guaranteed",
    );
    expect(
      inPlaceResizeBlocker(previous, equal, [{ name: "sidecar" }]),
    ).toBeUndefined();
    expect(
      inPlaceResizeBlocker(previous, [
        { ...equal[0]!, limits: { cpu: "200m", memory: "64Mi" } },
      ]),
    ).toBeUndefined();
  });
});
