// REST's cluster filter: ?cluster=<name> next to ?clusterId=<uuid>; neither covers every cluster.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// eslint-disable-next-line no-restricted-imports -- a database test builds its own database
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";
import type { ServiceContext } from "@kubewise/services";
import {
  createServiceFixture,
  createTestContext,
} from "@kubewise/services/testing";

import { restGet } from "./test-client";

let test: TestDatabase;
let ctx: ServiceContext;
const ids = { east: "", west: "" };

beforeAll(async () => {
  test = await createTestDatabase();
  // Two clusters with the same namespaces (shop, payments) and workload names.
  const east = await createServiceFixture(test.db);
  const west = await createServiceFixture(test.db);
  await test.sql`update clusters set name = 'east' where id = ${east.cluster.id}`;
  await test.sql`update clusters set name = 'west' where id = ${west.cluster.id}`;
  ids.east = east.cluster.id;
  ids.west = west.cluster.id;
  ctx = createTestContext(test.db, east.actors.admin);
});
afterAll(async () => {
  await test.close();
});

async function rest(path: string, query: string) {
  const response = await restGet(ctx, path, query);
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: (await response.json()) as Record<string, unknown>,
  };
}

type Costs = {
  clusterId: string | null;
  clusterName: string | null;
  monthlyNowMicroUsd: number;
  projectedMonthlySavingsMicroUsd: number;
  byNamespace: { clusterName: string; namespace: string }[];
};

describe("REST ?cluster=<name>", () => {
  it("lists the clusters and answers one cluster by name or id, or all as the sum", async () => {
    const clusters = await rest("/clusters", "");
    expect(clusters.status).toBe(200);
    expect(clusters.body).toEqual([
      { id: ids.east, name: "east" },
      { id: ids.west, name: "west" },
    ]);
    const east = (await rest("/costs", "cluster=east")).body as Costs;
    const west = (await rest("/costs", `clusterId=${ids.west}`)).body as Costs;
    const all = await rest("/costs", "");
    expect(all.status).toBe(200);
    const total = all.body as Costs;
    expect(east).toMatchObject({ clusterId: ids.east, clusterName: "east" });
    expect(west).toMatchObject({ clusterId: ids.west, clusterName: "west" });
    expect(east.monthlyNowMicroUsd).toBeGreaterThan(0);
    expect(total.clusterId).toBeNull();
    expect(total.monthlyNowMicroUsd).toBe(
      east.monthlyNowMicroUsd + west.monthlyNowMicroUsd,
    );
    expect(total.projectedMonthlySavingsMicroUsd).toBe(
      east.projectedMonthlySavingsMicroUsd +
        west.projectedMonthlySavingsMicroUsd,
    );
    expect(total.byNamespace).toHaveLength(4);

    const westList = await rest("/recommendations", "cluster=west");
    const items = westList.body.items as { clusterId: string }[];
    expect(items).toHaveLength(2);
    expect(new Set(items.map((r) => r.clusterId))).toEqual(new Set([ids.west]));
    expect(
      ((await rest("/recommendations", "")).body.items as unknown[]).length,
    ).toBe(4);
    const savings = await rest("/savings", "since=30d&cluster=east");
    expect(savings.body).toMatchObject({ clusterName: "east" });
    const anomalies = await rest("/anomalies", "cluster=west");
    expect(anomalies.status).toBe(200);
  });

  it("answers an unknown name 404, a malformed or contradictory one 400, as problem+json", async () => {
    const unknown = await rest("/costs", "cluster=north");
    expect(unknown).toMatchObject({
      status: 404,
      type: expect.stringContaining("application/problem+json") as unknown,
    });
    expect(unknown.body.detail).toContain('no cluster named "north"');
    expect((await rest("/recommendations", "cluster=north")).status).toBe(404);
    const malformed = await rest("/allocation", "cluster=bad%20name");
    expect(malformed.status).toBe(400);
    expect(malformed.type).toContain("application/problem+json");
    const contradictory = await rest(
      "/costs",
      `clusterId=${ids.east}&cluster=west`,
    );
    expect(contradictory.status).toBe(400);
    // Settings are per cluster: without a cluster the answer says to choose one.
    const settings = await rest("/cost-settings", "");
    expect(settings.status).toBe(400);
    expect(settings.body.detail).toContain("choose one");
    expect((await rest("/cost-settings", "cluster=west")).status).toBe(200);
  });
});
