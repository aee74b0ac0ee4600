import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

let server: Server;
let baseUrl = "";
let round = 0;
const seenAuth: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.authorization === undefined) {
      res.writeHead(401).end();
      return;
    }
    seenAuth.push(req.headers.authorization);
    if (req.url === "/stats/summary") {
      // Second round: +10 s of CPU for app (1 core over 10 s).
      res.end(
        round === 0
          ? summary
          : summary.replace("12500000000000", "12510000000000"),
      );
    } else if (req.url === "/metrics/cadvisor") {
      res.end(
        round === 0
          ? cadvisor
          : cadvisor
              .replace("} 132 ", "} 140 ")
              .replace("} 7.513 ", "} 8.013 ")
              .replace(
                /oom_events_total\{container="app"(.*)\} 1 /,
                'oom_events_total{container="app"$1} 2 ',
              ),
      );
    } else res.writeHead(403).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe("kubelet source", () => {
  it("joins /stats/summary with /metrics/cadvisor and reports rates and deltas", async () => {
    const source = createKubeletSource({
      baseUrl,
      readToken: () => "sa-token",
      timeoutMs: 2_000,
    });
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
    expect(seenAuth.every((h) => h === "Bearer sa-token")).toBe(true);
  });

  it("fails the scrape with the HTTP status when the kubelet refuses an unauthenticated scrape", async () => {
    const source = createKubeletSource({
      baseUrl,
      readToken: () => undefined,
      timeoutMs: 2_000,
    });
    await expect(source.collect(0)).rejects.toThrow(/HTTP 401/);
  });
});
