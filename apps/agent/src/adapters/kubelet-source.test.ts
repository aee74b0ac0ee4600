import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTlsFixture, type TlsFixture } from "../testing/tls-fixture";
import { kubeletAccess, type KubeletConfig } from "./kube/kube-access";
import { createKubeTextGetter } from "./kube/kube-http";
import { createKubeletSource } from "./kubelet-source";

const fixtures = join(
  import.meta.dirname,
  "..",
  "domain",
  "__fixtures__",
  "kubelet",
);
const summary = readFileSync(join(fixtures, "stats-summary.json"), "utf8");
const cadvisor = readFileSync(join(fixtures, "cadvisor.txt"), "utf8");

let dir = "";
let tls: TlsFixture;
let tokenFile = "";
let server: Server;
let url = "";
let round = 0;
const seenAuth: (string | undefined)[] = [];

function answer(path: string | undefined): string | undefined {
  if (path === "/stats/summary")
    // Second round: +10 s of CPU for app (1 core over 10 s).
    return round === 0
      ? summary
      : summary.replace("12500000000000", "12510000000000");
  if (path !== "/metrics/cadvisor") return undefined;
  return round === 0
    ? cadvisor
    : cadvisor
        .replace("} 132 ", "} 140 ")
        .replace("} 7.513 ", "} 8.013 ")
        .replace(
          /oom_events_total\{container="app"(.*)\} 1 /,
          'oom_events_total{container="app"$1} 2 ',
        );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubelet-source-"));
  tls = createTlsFixture(dir);
  tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "sa-token-1\n");
  server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    seenAuth.push(req.headers.authorization);
    if (!req.headers.authorization?.startsWith("Bearer sa-token")) {
      res.writeHead(401).end("Unauthorized");
      return;
    }
    const body = answer(req.url);
    if (body === undefined) res.writeHead(403).end();
    else res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const sourceWith = (tlsConfig: KubeletConfig["tls"]) =>
  createKubeletSource({
    getText: createKubeTextGetter(
      kubeletAccess({ url, tokenFile, tls: tlsConfig }),
    ),
    timeoutMs: 2_000,
  });
const trusted = (): KubeletConfig["tls"] => ({
  kind: "ca-file",
  path: tls.caFile,
});

describe("kubelet source", () => {
  it("joins /stats/summary with /metrics/cadvisor and reports rates and deltas", async () => {
    round = 0;
    const source = sourceWith(trusted());
    expect((await source.collect(0)).samples).toEqual([]);
    round = 1;
    const scrape = await source.collect(10_000);
    const app = scrape.samples.find((s) => s.meta.containerName === "app");
    expect(app).toMatchObject({
      cpuUsageCores: 1,
      cpuThrottledPeriods: 8,
      cpuPeriods: undefined,
      memoryWorkingSetBytes: 268435456,
      memoryRssBytes: 201326592,
      memoryLimitBytes: 536870912,
      oomKillCount: 1,
      meta: {
        namespace: "shop",
        podName: "checkout-7d9c5b8f6-x2lqz",
        podUid: "5b1f3c0e-8a43-4a8e-9a5b-2f6e7c1d0a11",
      },
    });
    expect(app?.cpuThrottledSeconds).toBeCloseTo(0.5, 9);
    expect(
      scrape.samples.find((s) => s.meta.containerName === "istio-proxy")
        ?.memoryLimitBytes,
    ).toBe(0);
    // the container without stats yet is skipped, not fatal
    expect(scrape.skipped).toBe(1);
  });

  it.each<[string, () => KubeletConfig["tls"]]>([
    ["the CA that signed the serving certificate", trusted],
    ["insecureSkipTLSVerify", () => ({ kind: "insecure-skip-verify" })],
  ])("accepts the kubelet's certificate with %s", async (_, tlsConfig) => {
    round = 0;
    await expect(sourceWith(tlsConfig()).collect(0)).resolves.toMatchObject({
      samples: [],
    });
  });

  it("refuses a serving certificate that the configured CA did not sign, with a hint", async () => {
    const source = sourceWith({ kind: "ca-file", path: tls.otherCaFile });
    await expect(source.collect(0)).rejects.toThrow(
      /kubelet \/(stats\/summary|metrics\/cadvisor): .*not signed by KUBEWISE_KUBELET_CA_FILE/,
    );
  });

  it("sends the token file's current content and re-reads it after rotation", async () => {
    const source = sourceWith(trusted());
    writeFileSync(tokenFile, "sa-token-1\n");
    await source.collect(0);
    const before = seenAuth.length;
    writeFileSync(tokenFile, "sa-token-2\n");
    await source.collect(10_000);
    expect(seenAuth.slice(before - 2, before)).toEqual([
      "Bearer sa-token-1",
      "Bearer sa-token-1",
    ]);
    expect(seenAuth.slice(before)).toEqual([
      "Bearer sa-token-2",
      "Bearer sa-token-2",
    ]);
  });

  it("fails the scrape with the status and a hint when the kubelet refuses the token", async () => {
    const source = sourceWith(trusted());
    writeFileSync(tokenFile, "aggregator-audience-token\n");
    try {
      await expect(source.collect(0)).rejects.toThrow(
        /HTTP 401; the kubelet rejected the token/,
      );
    } finally {
      writeFileSync(tokenFile, "sa-token-1\n");
    }
  });

  it.each([
    ["KUBEWISE_KUBELET_TOKEN_FILE", { tokenFile: "/nonexistent/token" }],
    [
      "KUBEWISE_KUBELET_CA_FILE",
      { tls: { kind: "ca-file", path: "/nonexistent/ca.crt" } as const },
    ],
  ])("fails at startup when %s cannot be read", (variable, override) => {
    expect(() =>
      kubeletAccess({ url, tokenFile, tls: trusted(), ...override }),
    ).toThrow(
      new RegExp(`^${variable} /nonexistent/.*: cannot read it \\(ENOENT\\)`),
    );
  });
});
