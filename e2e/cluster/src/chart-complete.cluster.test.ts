import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { CHART, renderChart, type Manifest } from "./chart-render";

const execFileAsync = promisify(execFile);
const render = (...set: string[]) => renderChart(inject("helmPath"), ...set);

type Probe = { httpGet?: { path: string; port: string } };
type FullContainer = {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
};
type FullPod = {
  containers: FullContainer[];
  volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
};

const byName = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name);
const podOf = (m: Manifest | undefined) =>
  m?.spec?.template?.spec as unknown as FullPod;
const envOf = (c: FullContainer | undefined) =>
  Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));

async function renderWithApis(apis: string[], ...set: string[]) {
  const { stdout } = await execFileAsync(inject("helmPath"), [
    "template",
    "kw",
    CHART,
    "-n",
    "kubewise-system",
    ...apis.flatMap((a) => ["--api-versions", a]),
    ...set.flatMap((s) => ["--set", s]),
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

describe("Helm chart: images, dashboard, buffer, probes, policies, monitoring", () => {
  it("names one image per component: registry/repository:appVersion, or a digest", async () => {
    const manifests = await render(
      "image.registry=localhost",
      "image.agent.digest=sha256:" + "a".repeat(64),
    );
    const image = (name: string) =>
      podOf(
        byName(
          manifests,
          name === "kw-agent" ? "DaemonSet" : "Deployment",
          name,
        ),
      ).containers[0]?.image;
    expect(image("kw-aggregator")).toBe("localhost/kubewise/aggregator:0.1.0");
    expect(image("kw-web")).toBe("localhost/kubewise/web:0.1.0");
    expect(image("kw-agent")).toBe(
      `localhost/kubewise/agent@sha256:${"a".repeat(64)}`,
    );
  });

  it("keeps the agent's buffer on an emptyDir with a sizeLimit above the buffer cap", async () => {
    const pod = podOf(byName(await render(), "DaemonSet", "kw-agent"));
    const agent = pod.containers[0];
    const dir = envOf(agent).KUBEWISE_BUFFER_DIR;
    const mount = agent?.volumeMounts?.find((m) => m.mountPath === dir);
    const volume = pod.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.emptyDir?.sizeLimit).toBe("96Mi");
    expect(Number(envOf(agent).KUBEWISE_BUFFER_MAX_BYTES)).toBe(
      64 * 1024 * 1024,
    );
    // /tmp too: the root filesystem is read-only
    expect(agent?.volumeMounts?.map((m) => m.mountPath)).toContain("/tmp");
  });

  it("probes every container and passes the cluster name to the aggregator and the agents", async () => {
    const manifests = await render(
      "clusterName=prod-eu",
      "aggregator.passWorkers=3",
    );
    for (const [kind, name] of [
      ["DaemonSet", "kw-agent"],
      ["Deployment", "kw-aggregator"],
      ["Deployment", "kw-web"],
    ] as const) {
      const container = podOf(byName(manifests, kind, name)).containers[0];
      expect(container?.readinessProbe, name).toBeDefined();
      expect(container?.livenessProbe, name).toBeDefined();
    }
    const aggregator = podOf(byName(manifests, "Deployment", "kw-aggregator"));
    expect(envOf(aggregator.containers[0]).KUBEWISE_CLUSTER_NAME).toBe(
      "prod-eu",
    );
    // ...and has it read the cluster's kube-system UID (cluster-identity.cluster.test.ts).
    expect(envOf(aggregator.containers[0]).KUBEWISE_CLUSTER_UID_SOURCE).toBe(
      "kube-system",
    );
    // The agents declare the same name and their own kube-system UID at Register.
    const agentEnv = envOf(
      podOf(byName(manifests, "DaemonSet", "kw-agent")).containers[0],
    );
    expect(agentEnv.KUBEWISE_CLUSTER_NAME).toBe("prod-eu");
    expect(agentEnv.KUBEWISE_CLUSTER_UID_SOURCE).toBe("kube-system");
    // aggregator.passWorkers -> KUBEWISE_PASS_WORKERS (the pass's worker threads)
    expect(envOf(aggregator.containers[0]).KUBEWISE_PASS_WORKERS).toBe("3");
    await expect(render("aggregator.passWorkers=17")).rejects.toThrow(
      /passWorkers/,
    );
  });

  it("serves the dashboard through a Service, and an Ingress only when asked", async () => {
    const plain = await render();
    expect(byName(plain, "Service", "kw-web")).toBeDefined();
    expect(plain.some((m) => m.kind === "Ingress")).toBe(false);
    expect(
      envOf(podOf(byName(plain, "Deployment", "kw-web")).containers[0])
        .NEXTAUTH_URL,
    ).toBe("http://kw-web.kubewise-system.svc:80");
    const withIngress = await render(
      "web.ingress.enabled=true",
      "web.ingress.host=kw.example.org",
      "web.ingress.tlsSecret=kw-tls",
    );
    expect(byName(withIngress, "Ingress", "kw-web")).toBeDefined();
    expect(
      envOf(podOf(byName(withIngress, "Deployment", "kw-web")).containers[0])
        .NEXTAUTH_URL,
    ).toBe("https://kw.example.org");
  });

  it("lets only the agents reach the aggregator's gRPC port", async () => {
    const policy = byName(await render(), "NetworkPolicy", "kw-aggregator");
    const ingress = (policy?.spec as { ingress: unknown[] }).ingress;
    expect(ingress[0]).toEqual({
      ports: [{ protocol: "TCP", port: 50051 }],
      from: [
        {
          podSelector: {
            matchLabels: {
              "app.kubernetes.io/instance": "kw",
              "app.kubernetes.io/component": "agent",
            },
          },
        },
      ],
    });
    const off = await render("networkPolicy.enabled=false");
    expect(off.some((m) => m.kind === "NetworkPolicy")).toBe(false);
  });

  it("renders a ServiceMonitor only where its CRD is served (or when forced)", async () => {
    expect((await render()).some((m) => m.kind === "ServiceMonitor")).toBe(
      false,
    );
    const served = await renderWithApis([
      "monitoring.coreos.com/v1/ServiceMonitor",
    ]);
    expect(served.some((m) => m.kind === "ServiceMonitor")).toBe(true);
    expect(
      (await render("serviceMonitor.enabled=false")).some(
        (m) => m.kind === "ServiceMonitor",
      ),
    ).toBe(false);
  });

  it("ships the Grafana dashboard as a ConfigMap with the sidecar label", async () => {
    const cm = byName(await render(), "ConfigMap", "kw-grafana-dashboard") as
      | (Manifest & {
          metadata: { labels: Record<string, string> };
          data: Record<string, string>;
        })
      | undefined;
    expect(cm?.metadata.labels.grafana_dashboard).toBe("1");
    const dashboard = JSON.parse(cm?.data["kubewise.json"] ?? "{}") as {
      panels?: unknown[];
    };
    expect(dashboard.panels?.length).toBeGreaterThan(5);
  });
});
