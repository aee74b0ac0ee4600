import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDb } from "./client";
import { getSchemaVersion, migrate } from "./migrate";
import {
  createTestDatabase,
  getTestServerKind,
  type TestDatabase,
} from "./testing";

// The journal is the list drizzle applies: its length and last tag are the expected version.
const JOURNAL = (
  JSON.parse(
    readFileSync(
      new URL("../drizzle/meta/_journal.json", import.meta.url),
      "utf8",
    ),
  ) as { entries: { tag: string }[] }
).entries;
const MIGRATIONS = JOURNAL.length;
const LAST_TAG = JOURNAL.at(-1)?.tag;

const EXPECTED_TABLES = [
  "agent_models",
  "agents",
  "alerts",
  "anomalies",
  "api_tokens",
  "approvals",
  "audit_chain_head",
  "audit_log",
  "budgets",
  "cluster_capacity_1h",
  "cluster_cost_settings",
  "clusters",
  "container_allocation_1d",
  "container_allocation_1h",
  "containers",
  "fl_evaluations",
  "fl_rounds",
  "fl_updates",
  "ingest_batches",
  "metric_rollups_5m",
  "metric_samples",
  "model_versions",
  "namespace_allocation_1d",
  "namespace_allocation_1h",
  "namespace_safety_configs",
  "nodes",
  "notification_channels",
  "notification_outbox",
  "recommendation_events",
  "recommendations",
  "user_namespace_scopes",
  "user_sessions",
  "users",
  "workload_hpas",
  "workloads",
];

describe("migrate", () => {
  let empty: TestDatabase;

  beforeAll(async () => {
    empty = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await empty.close();
  });

  it("applies every committed migration to an empty database, and a second run changes nothing", async () => {
    expect(await getSchemaVersion(empty.db)).toEqual({
      version: 0,
      tag: null,
      expectedVersion: MIGRATIONS,
    });

    const first = await migrate({ url: empty.url });
    const second = await migrate({ url: empty.url });

    expect(first).toEqual({
      version: MIGRATIONS,
      tag: LAST_TAG,
      expectedVersion: MIGRATIONS,
    });
    expect(second).toEqual(first);
    const tables = await empty.sql<{ relname: string }[]>`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relispartition = false
      order by 1`;
    // On TimescaleDB metric_rollups_5m is a continuous aggregate (a view), not a table.
    expect(tables.map((t) => t.relname)).toEqual(
      getTestServerKind() === "timescaledb"
        ? EXPECTED_TABLES.filter((name) => name !== "metric_rollups_5m")
        : EXPECTED_TABLES,
    );
  });

  it("serializes concurrent migrations of the same database", async () => {
    const fresh = await createTestDatabase({ migrated: false });
    try {
      const results = await Promise.all(
        [1, 2, 3].map(() => migrate({ url: fresh.url })),
      );
      expect(results.map((r) => r.version)).toEqual([
        MIGRATIONS,
        MIGRATIONS,
        MIGRATIONS,
      ]);
    } finally {
      await fresh.close();
    }
  });

  it("refuses a server that is not the configured kind before applying anything", async () => {
    const fresh = await createTestDatabase({ migrated: false });
    try {
      const kind = getTestServerKind();
      const [expectKind, reason] =
        kind === "timescaledb"
          ? ([
              "postgresql",
              /plain PostgreSQL expected .* preloads TimescaleDB/,
            ] as const)
          : kind === "citus"
            ? (["timescaledb", /is a Citus database/] as const)
            : (["timescaledb", /TimescaleDB expected/] as const);
      await expect(
        migrate({ url: fresh.url, expect: expectKind }),
      ).rejects.toThrow(reason);
      expect((await getSchemaVersion(fresh.db)).version).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it.runIf(getTestServerKind() === "citus")(
    "refuses a Citus coordinator without workers",
    async () => {
      const name = `kubewise_noworkers_${Date.now()}`;
      await empty.sql.unsafe(`create database ${name}`);
      const url = new URL(empty.url);
      url.pathname = `/${name}`;
      const lonely = createDb({ url: url.toString(), max: 1 });
      try {
        await lonely.sql`create extension citus`;
        await expect(migrate({ url: url.toString() })).rejects.toThrow(
          /Citus coordinator without workers/,
        );
        expect((await getSchemaVersion(lonely.db)).version).toBe(0);
      } finally {
        await lonely.close();
        await empty.sql.unsafe(`drop database ${name} with (force)`);
      }
    },
  );

  it.runIf(getTestServerKind() === "citus")(
    "distributes samples and rollups by container (co-located) and ingest batches by agent; the small tables are reference tables",
    async () => {
      const migrated = await createTestDatabase();
      try {
        const rows = await migrated.sql<
          {
            name: string;
            type: string;
            column: string;
            colocation: number;
          }[]
        >`
          select table_name::text as name, citus_table_type as type,
            distribution_column as column, colocation_id as colocation
          from citus_tables`;
        const of = (name: string) => rows.find((r) => r.name === name);
        const samples = of("metric_samples");
        expect(samples).toMatchObject({
          type: "distributed",
          column: "container_id",
        });
        expect(of("metric_rollups_5m")).toMatchObject({
          type: "distributed",
          column: "container_id",
          colocation: samples?.colocation,
        });
        expect(of("ingest_batches")).toMatchObject({
          type: "distributed",
          column: "agent_id",
        });
        for (const name of [
          "clusters",
          "agents",
          "workloads",
          "containers",
          "recommendations",
          "anomalies",
          "workload_hpas",
        ])
          expect(of(name), name).toMatchObject({ type: "reference" });
      } finally {
        await migrated.close();
      }
    },
  );

  it("reports the schema version through a separate client", async () => {
    const client = createDb({ url: empty.url, max: 1 });
    try {
      expect((await getSchemaVersion(client.db)).version).toBe(MIGRATIONS);
    } finally {
      await client.close();
    }
  });
});

describe.runIf(getTestServerKind() !== "timescaledb")(
  "plain PostgreSQL metric storage",
  () => {
    let test: TestDatabase;

    beforeAll(async () => {
      test = await createTestDatabase();
    });
    afterAll(async () => {
      await test.close();
    });

    it("range-partitions metric_samples by ts with a default partition and daily partitions around today", async () => {
      const [parent] = await test.sql<{ strategy: string; key: string }[]>`
      select p.partstrat as strategy, pg_get_partkeydef(p.partrelid) as key
      from pg_partitioned_table p where p.partrelid = 'metric_samples'::regclass`;
      expect(parent).toEqual({ strategy: "r", key: "RANGE (ts)" });

      const partitions = await test.sql<{ name: string; bound: string }[]>`
      select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'metric_samples'::regclass order by 1`;
      const today = new Date().toISOString().slice(0, 10).replaceAll("-", "");
      expect(partitions.map((p) => p.name)).toContain(
        `metric_samples_p${today}`,
      );
      expect(
        partitions.find((p) => p.name === "metric_samples_default")?.bound,
      ).toBe("DEFAULT");
      expect(partitions.length).toBeGreaterThanOrEqual(9);
    });

    it("has a BRIN index on metric_samples.ts that every partition inherits", async () => {
      const indexes = await test.sql<
        { table: string; method: string; definition: string }[]
      >`
      select t.relname as table, am.amname as method, pg_get_indexdef(i.indexrelid) as definition
      from pg_index i
      join pg_class t on t.oid = i.indrelid
      join pg_class ic on ic.oid = i.indexrelid
      join pg_am am on am.oid = ic.relam
      where am.amname = 'brin' and t.relname like 'metric_samples%'`;
      const partitionCount = await test.sql<{ n: number }[]>`
      select count(*)::int as n from pg_inherits where inhparent = 'metric_samples'::regclass`;

      expect(
        indexes.find((i) => i.table === "metric_samples")?.definition,
      ).toContain("USING brin (ts)");
      expect(indexes.filter((i) => i.table !== "metric_samples")).toHaveLength(
        partitionCount[0]?.n ?? -1,
      );
    });

    it("keeps metric_rollups_5m as an ordinary table keyed by (container_id, bucket)", async () => {
      const [rollups] = await test.sql<{ relkind: string }[]>`
      select relkind from pg_class where oid = 'metric_rollups_5m'::regclass`;
      expect(rollups?.relkind).toBe("r");
    });
  },
);
