import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

import { ValidationError } from "./errors";
import {
  buildPodResizePatch,
  buildResourcesPatch,
  diffContainerResources,
  renderDryRunDiff,
  renderPatchYaml,
  serializePatch,
  type ContainerResourceChange,
} from "./patch";
import { parseCpuMillicores, parseMemoryBytes } from "./units";

const MI = 2 ** 20;
const app: ContainerResourceChange = {
  name: "app",
  current: {
    requests: { cpuMillicores: 1000, memoryBytes: 1024 * MI },
    limits: { cpuMillicores: 2000, memoryBytes: 2048 * MI },
  },
  recommended: {
    requests: { cpuMillicores: 250, memoryBytes: 512 * MI },
    limits: { memoryBytes: 512 * MI },
  },
};
const deployment = { kind: "Deployment", name: "api", namespace: "shop" };
const recommended = [{ name: app.name, ...app.recommended }];

describe("buildResourcesPatch", () => {
  it("sets every request and limit and removes an unset one with null", () => {
    expect(buildResourcesPatch("Deployment", recommended)).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "app",
                resources: {
                  requests: { cpu: "250m", memory: "512Mi" },
                  limits: { cpu: null, memory: "512Mi" },
                },
              },
            ],
          },
        },
      },
    });
  });

  it.each([
    ["StatefulSet", ["spec", "template", "spec", "containers"]],
    ["DaemonSet", ["spec", "template", "spec", "containers"]],
    [
      "CronJob",
      ["spec", "jobTemplate", "spec", "template", "spec", "containers"],
    ],
  ] as const)("puts %s containers at %j", (kind, path) => {
    let node: unknown = buildResourcesPatch(kind, recommended);
    for (const key of path) node = (node as Record<string, unknown>)[key];
    expect(Array.isArray(node)).toBe(true);
  });

  it("is the same patch as the pods/resize body, container for container", () => {
    expect(buildPodResizePatch(recommended).spec).toEqual(
      (
        buildResourcesPatch("Deployment", recommended) as {
          spec: { template: { spec: unknown } };
        }
      ).spec.template.spec,
    );
  });

  it("serializes to the same bytes for the same recommendation", () => {
    const a = serializePatch(buildResourcesPatch("Deployment", recommended));
    const b = serializePatch(
      buildResourcesPatch("Deployment", structuredClone(recommended)),
    );
    expect(a).toBe(b);
    expect(a).toBe(
      '{"spec":{"template":{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"250m","memory":"512Mi"},"limits":{"cpu":null,"memory":"512Mi"}}}]}}}}',
    );
  });

  it.each([
    ["no containers", [], /at least one container/],
    [
      "a limit below the request",
      [{ ...recommended[0]!, limits: { cpuMillicores: 100 } }],
      /limit is below its request/,
    ],
  ])("rejects %s", (_name, containers, message) => {
    expect(() => buildResourcesPatch("Deployment", containers)).toThrow(
      ValidationError,
    );
    expect(() => buildResourcesPatch("Deployment", containers)).toThrow(
      message,
    );
  });

  it("renders YAML that parses back to the same quantities", () => {
    const amounts = fc.record({
      cpuMillicores: fc.integer({ min: 1, max: 64_000 }),
      memoryBytes: fc.integer({ min: 1, max: 2 ** 40 }),
    });
    fc.assert(
      fc.property(amounts, (requests) => {
        const parsed = parse(
          renderPatchYaml(
            buildResourcesPatch("Deployment", [
              { name: "app", requests, limits: requests },
            ]),
          ),
        ) as {
          spec: {
            template: {
              spec: {
                containers: [
                  { resources: { requests: { cpu: string; memory: string } } },
                ];
              };
            };
          };
        };
        const got = parsed.spec.template.spec.containers[0].resources.requests;
        return (
          parseCpuMillicores(got.cpu) === requests.cpuMillicores &&
          parseMemoryBytes(got.memory) === requests.memoryBytes
        );
      }),
    );
  });
});

describe("dry-run diff", () => {
  it("lists every field with its change ratio", () => {
    expect(diffContainerResources([app])).toEqual([
      {
        container: "app",
        field: "requests",
        resource: "cpu",
        current: "1",
        recommended: "250m",
        changeRatio: -0.75,
      },
      {
        container: "app",
        field: "requests",
        resource: "memory",
        current: "1Gi",
        recommended: "512Mi",
        changeRatio: -0.5,
      },
      {
        container: "app",
        field: "limits",
        resource: "cpu",
        current: "2",
        recommended: null,
        changeRatio: null,
      },
      {
        container: "app",
        field: "limits",
        resource: "memory",
        current: "2Gi",
        recommended: "512Mi",
        changeRatio: -0.75,
      },
    ]);
  });

  it("renders a unified-style diff", () => {
    expect(
      renderDryRunDiff(deployment, [
        {
          ...app,
          recommended: { ...app.recommended, limits: app.current.limits },
        },
      ]),
    ).toBe(
      [
        "--- shop/Deployment/api (current)",
        "+++ shop/Deployment/api (recommended)",
        "- app.resources.requests.cpu: 1",
        "+ app.resources.requests.cpu: 250m",
        "- app.resources.requests.memory: 1Gi",
        "+ app.resources.requests.memory: 512Mi",
        "  app.resources.limits.cpu: 2",
        "  app.resources.limits.memory: 2Gi",
        "",
      ].join("\n"),
    );
  });
});
