import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import {
  inClusterAccess,
  kubeconfigAccess,
  loadKubeconfigAccess,
} from "./kube-access";

const dir = mkdtempSync(join(tmpdir(), "kubewise-kube-access-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "ca.crt"), "CA");
writeFileSync(join(dir, "token"), "projected-1\n");

const config = (user: Record<string, unknown>) => ({
  "current-context": "c",
  contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
  clusters: [
    {
      name: "k",
      cluster: {
        server: "https://127.0.0.1:6443/",
        "certificate-authority": "ca.crt",
      },
    },
  ],
  users: [{ name: "u", user }],
});

describe("kubeconfigAccess", () => {
  it("resolves the current context, relative files and a static token", () => {
    const access = kubeconfigAccess(config({ token: "t0" }), join(dir, "kc"));
    expect(access.server).toBe("https://127.0.0.1:6443");
    expect(access.ca?.toString()).toBe("CA");
    expect(access.readToken()).toBe("t0");
  });

  it("re-reads a token file on every call (projected tokens rotate)", () => {
    const access = kubeconfigAccess(
      config({ tokenFile: "token" }),
      join(dir, "kc"),
    );
    expect(access.readToken()).toBe("projected-1");
    writeFileSync(join(dir, "token"), "projected-2\n");
    expect(access.readToken()).toBe("projected-2");
  });

  it("decodes inline client certificates", () => {
    const access = kubeconfigAccess(
      config({
        "client-certificate-data": Buffer.from("CERT").toString("base64"),
        "client-key-data": Buffer.from("KEY").toString("base64"),
      }),
      join(dir, "kc"),
    );
    expect([
      access.clientCert?.toString(),
      access.clientKey?.toString(),
    ]).toEqual(["CERT", "KEY"]);
  });

  it.each([
    [
      { ...config({}), "current-context": "nope" },
      /current-context "nope" not found/,
    ],
    [
      config({ exec: { command: "aws" } }),
      /exec and auth-provider users are not supported/,
    ],
  ])("explains an unusable kubeconfig (%#)", (kc, message) => {
    expect(() => kubeconfigAccess(kc, join(dir, "kc"))).toThrow(message);
  });

  it("reads YAML from disk", async () => {
    writeFileSync(
      join(dir, "kc.yaml"),
      "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'https://h:1', insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: y}}]\n",
    );
    const access = await loadKubeconfigAccess(join(dir, "kc.yaml"));
    expect([
      access.server,
      access.insecureSkipTlsVerify,
      access.readToken(),
    ]).toEqual(["https://h:1", true, "y"]);
  });
});

describe("inClusterAccess", () => {
  it.each([
    ["10.0.0.1", "https://10.0.0.1:443"],
    ["fd00::1", "https://[fd00::1]:443"],
  ])("uses the service host %s", (host, server) => {
    const access = inClusterAccess({ host, port: "443" }, dir);
    expect(access.server).toBe(server);
    expect(access.ca?.toString()).toBe("CA");
  });
});
