import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ApiError, createApiClient, describeApiError } from "./client";
import { createProgram } from "./commands";

type Seen = {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
};
const seen: Seen[] = [];
let server: Server;
let baseUrl: string;

const EAST = "c0000000-0000-4000-8000-00000000000e";
const WEST = "c0000000-0000-4000-8000-00000000000f";
// GET /api/v1/clusters: one cluster unless a test says otherwise.
let clusterList = [{ id: EAST, name: "east" }];

const ROW = {
  id: "3f0a2c1e-0000-4000-8000-000000000001",
  clusterId: EAST,
  namespace: "shop",
  workloadKind: "Deployment",
  workloadName: "checkout",
  containerName: "app",
  phase: "Pending",
  confidence: 0.93,
  current: {
    cpuRequestMillicores: 1000,
    cpuLimitMillicores: null,
    memoryRequestBytes: 2 * 1024 ** 3,
    memoryLimitBytes: null,
  },
  recommended: {
    cpuRequestMillicores: 250,
    cpuLimitMillicores: null,
    memoryRequestBytes: 512 * 1024 ** 2,
    memoryLimitBytes: null,
  },
  projectedMonthlySavingsMicroUsd: 41_500_000,
};

function respond(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
): void {
  seen.push({
    method: request.method ?? "",
    url: request.url ?? "",
    authorization: request.headers.authorization,
    body,
  });
  const send = (
    status: number,
    payload: unknown,
    type = "application/json",
  ) => {
    response.writeHead(status, { "content-type": type });
    response.end(JSON.stringify(payload));
  };
  if (request.url === "/api/v1/clusters") return send(200, clusterList);
  if (request.url?.startsWith("/api/v1/costs"))
    return send(200, {
      monthlyNowMicroUsd: 120_000_000,
      monthlyAfterMicroUsd: 80_000_000,
      projectedMonthlySavingsMicroUsd: 40_000_000,
      byNamespace: [
        {
          clusterId: EAST,
          namespace: "shop",
          monthlyNowMicroUsd: 120_000_000,
          monthlyAfterMicroUsd: 80_000_000,
          workloadCount: 3,
        },
      ],
    });
  if (request.url?.startsWith("/api/v1/allocation"))
    return send(200, {
      window: {
        from: "2026-11-13T00:00:00.000Z",
        to: "2026-11-20T12:00:00.000Z",
      },
      aggregate: "label:team",
      totalCostMicroUsd: 9_620_400,
      lines: [
        {
          name: "payments",
          properties: { cluster: "west" },
          cpuCoreHours: 168,
          ramByteHours: 336 * 1024 ** 3,
          cpuCostMicroUsd: 5_310_648,
          ramCostMicroUsd: 2_847_264,
          sharedCostMicroUsd: 1_000_000,
          idleCostMicroUsd: 462_488,
          totalCostMicroUsd: 9_620_400,
          efficiency: 0.2106,
        },
      ],
    });
  if (request.url === "/api/v1/savings?since=30d")
    return send(200, {
      sinceDays: 30,
      projectedMonthlyMicroUsd: 10_000_000,
      realizedMicroUsd: 2_000_000,
      byNamespace: [
        {
          clusterId: WEST,
          namespace: "shop",
          projectedMonthlyMicroUsd: 10_000_000,
          realizedMicroUsd: 2_000_000,
          openCount: 1,
          appliedCount: 1,
        },
      ],
    });
  if (request.url?.startsWith("/api/v1/anomalies"))
    return send(200, [
      {
        clusterId: WEST,
        kind: "leak",
        severity: "warning",
        namespace: "shop",
        workloadKind: "Deployment",
        workloadName: "checkout",
        containerName: "app",
        timeToLimitSeconds: 7200,
        detectedAt: "2026-11-20T10:00:00.000Z",
      },
    ]);
  if (request.url?.startsWith("/api/v1/budgets"))
    return send(200, [
      {
        id: "b0000000-0000-4000-8000-000000000001",
        clusterId: WEST,
        name: "shop",
        scopeKind: "namespace",
        scopeKey: null,
        scopeValue: "shop",
        monthlyLimitMicroUsd: 100_000_000,
        monthToDateMicroUsd: 40_000_000,
        forecastMicroUsd: 90_000_000,
        forecastRatio: 0.9,
      },
    ]);
  if (request.url?.startsWith("/api/v1/savings"))
    return send(
      400,
      {
        title: "Invalid request",
        status: 400,
        detail: "since must look like 30d (1..3650 days)",
        errors: { since: ["expected <days>d, e.g. 30d"] },
      },
      "application/problem+json",
    );
  if (request.url?.startsWith("/api/v1/recommendations?"))
    return send(200, { items: [ROW], total: 1, nextOffset: null });
  if (request.url?.endsWith("/approve"))
    return send(200, { id: ROW.id, phase: "Approved" });
  if (request.url?.endsWith("/reject"))
    return send(
      403,
      {
        title: "Forbidden",
        status: 403,
        detail: "role viewer may not reject recommendations",
      },
      "application/problem+json",
    );
  return send(
    404,
    { title: "Not Found", status: 404, detail: "no such route" },
    "application/problem+json",
  );
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => respond(request, response, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function run(args: string[], token = "kw_test_token"): Promise<string[]> {
  const out: string[] = [];
  const program = createProgram({
    client: createApiClient({ baseUrl, token }),
    write: (text) => out.push(text),
  });
  await program.parseAsync(["node", "kw", ...args]);
  return out;
}

describe("kw", () => {
  it("lists recommendations as a table with units, savings and the bearer token", async () => {
    const [table] = await run([
      "recommendations",
      "list",
      "-n",
      "shop",
      "--min-confidence",
      "0.9",
    ]);
    expect(table).toContain("NAMESPACE");
    expect(table).toMatch(
      /shop\s+deployment\/checkout\s+app\s+1 -> 250m\s+2Gi -> 512Mi\s+93\.0%\s+\$41\.50\s+Pending/,
    );
    const request = seen.at(-1);
    expect(request?.authorization).toBe("Bearer kw_test_token");
    expect(request?.url).toContain("namespace=shop");
    expect(request?.url).toContain("minConfidence=0.9");
  });

  it("prints json when asked", async () => {
    const [json] = await run(["rec", "list", "-o", "json"]);
    expect(JSON.parse(json ?? "")).toMatchObject({ total: 1 });
  });

  it("approves with a JSON body", async () => {
    expect(
      await run(["recommendations", "approve", ROW.id, "-m", "looks right"]),
    ).toEqual([`approved ${ROW.id}`]);
    const request = seen.at(-1);
    expect(request?.method).toBe("POST");
    expect(JSON.parse(request?.body ?? "")).toEqual({ comment: "looks right" });
  });

  it("surfaces the problem+json detail and status when the API refuses", async () => {
    const error = await run([
      "recommendations",
      "reject",
      ROW.id,
      "--reason",
      "too tight",
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(403);
    expect((error as ApiError).message).toBe(
      "role viewer may not reject recommendations",
    );
  });

  it("rejects a confidence outside 0..1 before calling the API", async () => {
    const before = seen.length;
    await expect(
      run(["recommendations", "list", "--min-confidence", "7"]),
    ).rejects.toThrow(/0 to 1/);
    expect(seen.length).toBe(before);
  });

  it("prints reports as tables with human units by default", async () => {
    const [table] = await run(["costs"]);
    expect(table).toMatch(/shop\s+3\s+\$120\.00\s+\$80\.00\s+\$40\.00/);
    expect(table).toContain("monthly now $120.00");
  });

  it("prints allocation with core-hours, GiB-hours and dollars, and passes the OpenCost parameters", async () => {
    const [table] = await run([
      "allocation",
      "--window",
      "7d",
      "--aggregate",
      "label:team",
      "--no-idle",
      "--share-namespaces",
      "kube-system,monitoring",
    ]);
    expect(table).toMatch(
      /payments\s+168\.0\s+336\.0\s+\$5\.31\s+\$2\.85\s+\$1\.00\s+\$0\.46\s+\$9\.62\s+21\.1%/,
    );
    expect(table).toContain(
      "2026-11-13 00:00 – 2026-11-20 12:00 UTC by label:team: $9.62",
    );
    const url = new URL(seen.at(-1)?.url ?? "", "http://x");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      window: "7d",
      aggregate: "label:team",
      idle: "false",
      shareNamespaces: "kube-system,monitoring",
    });
  });

  it("names each rejected field and what it accepts", async () => {
    const error = await run(["savings", "--since", "30h"]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(describeApiError(error as ApiError)).toBe(
      "kw: since must look like 30d (1..3650 days) (HTTP 400)\n  since: expected <days>d, e.g. 30d",
    );
    expect(seen.at(-1)?.url).toBe("/api/v1/savings?since=30h");
  });

  it("passes --cluster <name> to lists and reports, and nothing without it (all clusters)", async () => {
    await run(["rec", "list", "--cluster", "east"]);
    expect(seen.at(-1)?.url).toContain("cluster=east");
    await run(["costs", "--cluster", "west"]);
    expect(seen.at(-1)?.url).toBe("/api/v1/costs?cluster=west");
    await run(["allocation", "--cluster", "west", "--window", "24h"]);
    expect(
      new URL(seen.at(-1)?.url ?? "", "http://x").searchParams.get("cluster"),
    ).toBe("west");
    await run(["costs"]);
    expect(seen.at(-1)?.url).toBe("/api/v1/costs");
  });

  it("adds a CLUSTER column to every table when the answer spans several clusters, and not for one", async () => {
    const commands = [
      ["rec", "list"],
      ["costs"],
      ["savings"],
      ["allocation"],
      ["anomalies"],
      ["budgets", "list"],
    ];
    const header = (table: string | undefined) => table?.split("\n")[0] ?? "";
    // One cluster in the install: no column.
    for (const args of commands)
      expect(header((await run(args))[0]), args.join(" ")).not.toMatch(
        /CLUSTER/,
      );
    clusterList = [
      { id: EAST, name: "east" },
      { id: WEST, name: "west" },
    ];
    try {
      const expected = ["east", "east", "west", "west", "west", "west"];
      for (const [i, args] of commands.entries()) {
        const [table] = await run(args);
        expect(header(table), args.join(" ")).toMatch(/^CLUSTER\s/);
        // The first row names the cluster by name (lists carry only its id).
        expect(table?.split("\n")[1], args.join(" ")).toMatch(
          new RegExp(`^${expected[i] ?? ""}\\s`),
        );
      }
      // --cluster narrows the answer to one cluster: no column, and the clusters are not asked.
      const before = seen.length;
      const [table] = await run(["costs", "--cluster", "west"]);
      expect(header(table)).not.toMatch(/CLUSTER/);
      expect(seen.slice(before).map((s) => s.url)).toEqual([
        "/api/v1/costs?cluster=west",
      ]);
      // json/yaml print the answer unchanged and do not ask for the clusters either.
      const beforeJson = seen.length;
      await run(["costs", "-o", "json"]);
      expect(seen.slice(beforeJson).map((s) => s.url)).toEqual([
        "/api/v1/costs",
      ]);
    } finally {
      clusterList = [{ id: EAST, name: "east" }];
    }
  });

  it("sends the API's sort value", async () => {
    await run(["rec", "list"]);
    expect(seen.at(-1)?.url).toContain("sort=savings_desc");
    await expect(run(["rec", "list", "--sort", "savings"])).rejects.toThrow(
      /savings_desc/,
    );
  });

  it("names the URL when the server cannot be reached", async () => {
    const client = createApiClient({
      baseUrl: "http://127.0.0.1:1",
      token: undefined,
    });
    await expect(
      client.request({ method: "GET", path: "/costs" }),
    ).rejects.toThrow(/cannot reach Kubewise at http:\/\/127\.0\.0\.1:1/);
  });
});
