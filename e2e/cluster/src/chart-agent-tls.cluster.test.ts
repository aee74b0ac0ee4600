import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { promisify } from "node:util";

import { describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { CHART, renderChart, type Manifest } from "./chart-render";
import { adminClients } from "./harness";

const execFileAsync = promisify(execFile);
const RELEASE = "kubewise-e2e";

type Pod = {
  containers: {
    name: string;
    env?: { name: string; value?: string }[];
    volumeMounts?: { name: string; mountPath: string }[];
  }[];
  volumes?: {
    name: string;
    secret?: { secretName: string; items?: { key: string; path: string }[] };
  }[];
};
const podOf = (manifests: Manifest[], kind: string) =>
  manifests.find((m) => m.kind === kind)?.spec?.template
    ?.spec as unknown as Pod;
const envOf = (pod: Pod) =>
  Object.fromEntries(
    (pod.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
  );
const secretVolume = (pod: Pod, name: string) =>
  pod.volumes?.find((v) => v.name === name)?.secret;
const decode = (value: string | undefined) =>
  Buffer.from(value ?? "", "base64").toString("utf8");

describe("chart: TLS on the agents' link", () => {
  it("installs a certificate for the aggregator's Service, signed by the CA in the same Secret", async () => {
    const namespace = inject("chartNamespace");
    const secret = await adminClients().core.readNamespacedSecret({
      name: `${RELEASE}-aggregator-tls`,
      namespace,
    });
    expect(secret.type).toBe("kubernetes.io/tls");
    const cert = new X509Certificate(decode(secret.data?.["tls.crt"]));
    const ca = new X509Certificate(decode(secret.data?.["ca.crt"]));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain(
      `DNS:${RELEASE}-aggregator.${namespace}.svc`,
    );
  });

  it("keeps the generated certificate across upgrades (lookup of the installed Secret)", async () => {
    const namespace = inject("chartNamespace");
    const { stdout } = await execFileAsync(
      inject("helmPath"),
      [
        "template",
        RELEASE,
        CHART,
        "-n",
        namespace,
        "--dry-run=server",
        "--set",
        "agent.enabled=false",
      ],
      { env: { ...process.env, KUBECONFIG: inject("kubeconfigPath") } },
    );
    const rendered = parseAllDocuments(stdout)
      .map(
        (d) =>
          d.toJSON() as (Manifest & { data?: Record<string, string> }) | null,
      )
      .find(
        (m) =>
          m?.kind === "Secret" &&
          m.metadata.name === `${RELEASE}-aggregator-tls`,
      );
    const installed = await adminClients().core.readNamespacedSecret({
      name: `${RELEASE}-aggregator-tls`,
      namespace,
    });
    expect(rendered?.data?.["tls.crt"]).toBe(installed.data?.["tls.crt"]);
    expect(rendered?.data?.["ca.crt"]).toBe(installed.data?.["ca.crt"]);
  });

  it("gives the aggregator the certificate and key, and the agents the CA only", async () => {
    const manifests = await renderChart(inject("helmPath"));
    const aggregator = podOf(manifests, "Deployment");
    const agent = podOf(manifests, "DaemonSet");
    expect(envOf(aggregator)).toMatchObject({
      KUBEWISE_GRPC_TLS_CERT_FILE: "/etc/kubewise/tls/tls.crt",
      KUBEWISE_GRPC_TLS_KEY_FILE: "/etc/kubewise/tls/tls.key",
    });
    expect(envOf(agent)).toMatchObject({
      KUBEWISE_AGGREGATOR_CA_FILE: "/etc/kubewise/aggregator-ca/ca.crt",
      KUBEWISE_AGGREGATOR_SERVER_NAME: "kw-aggregator.kubewise-system.svc",
    });
    expect(secretVolume(agent, "aggregator-ca")).toEqual({
      secretName: "kw-aggregator-tls",
      items: [{ key: "ca.crt", path: "ca.crt" }],
    });
    expect(secretVolume(aggregator, "tls")?.items?.map((i) => i.key)).toEqual([
      "tls.crt",
      "tls.key",
    ]);
  });

  it("uses an existing Secret (e.g. cert-manager's) instead of generating one, or none when disabled", async () => {
    const existing = await renderChart(
      inject("helmPath"),
      "aggregator.tls.existingSecret=aggregator-cert",
    );
    expect(
      existing.some(
        (m) => m.kind === "Secret" && m.metadata.name === "kw-aggregator-tls",
      ),
    ).toBe(false);
    expect(
      secretVolume(podOf(existing, "DaemonSet"), "aggregator-ca")?.secretName,
    ).toBe("aggregator-cert");
    const plaintext = await renderChart(
      inject("helmPath"),
      "aggregator.tls.enabled=false",
    );
    expect(envOf(podOf(plaintext, "DaemonSet"))).not.toHaveProperty(
      "KUBEWISE_AGGREGATOR_CA_FILE",
    );
    expect(envOf(podOf(plaintext, "Deployment"))).not.toHaveProperty(
      "KUBEWISE_GRPC_TLS_CERT_FILE",
    );
  });
});
