import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { HpaObservation } from "@kubewise/core";

import {
  createTestCluster,
  createTestDatabase,
  type TestDatabase,
} from "../testing";
import { listClusterHpas, replaceClusterHpas } from "./hpas";

describe("workload HPAs (real PostgreSQL)", () => {
  let t: TestDatabase;
  let clusterId: string;
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const hpa = (name: string, averageUtilization: number): HpaObservation => ({
    namespace: "shop",
    name,
    targetKind: "Deployment",
    targetName: name,
    minReplicas: 1,
    maxReplicas: 5,
    currentReplicas: null,
    metrics: [
      {
        source: "Resource",
        resource: "cpu",
        targetType: "Utilization",
        averageUtilization,
      },
      // jsonb reorders keys: an unchanged metric must still compare equal.
      { source: "External", targetType: "Value", metricName: "rps" },
    ],
  });

  beforeAll(async () => {
    t = await createTestDatabase();
    clusterId = (await createTestCluster(t.db)).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("one listing replaces the cluster's HPAs: adds, updates, deletes, and leaves unchanged rows alone", async () => {
    const replace = (hpas: HpaObservation[], s: number) =>
      replaceClusterHpas(t.db, { clusterId, hpas, at: at(s) });
    expect(await replace([hpa("web", 70), hpa("api", 80)], 1)).toBe(2);
    expect(await replace([hpa("web", 70), hpa("api", 80)], 2)).toBe(0);
    expect(await replace([hpa("web", 60)], 3)).toBe(2);
    const rows = await listClusterHpas(t.db, clusterId);
    expect(
      rows.map((r) => [r.name, r.metrics[0]?.averageUtilization, r.observedAt]),
    ).toEqual([["web", 60, at(3)]]);
  });
});
