import { fileURLToPath } from "node:url";

import { sql as raw } from "drizzle-orm";
import { migrate as drizzleMigrate } from "drizzle-orm/postgres-js/migrator";

import journal from "../drizzle/meta/_journal.json" with { type: "json" };
import { createDb, type Db } from "./client";
import { checkDatabaseConnection } from "./connection-check";
import { checkDatabaseKind, type DatabaseKind } from "./preflight";

export const MIGRATIONS_FOLDER = fileURLToPath(
  new URL("../drizzle", import.meta.url),
);

// Imported, not read from MIGRATIONS_FOLDER: bundlers inline it, so the dashboard's status page knows
// how many migrations it ships even where the folder is not on disk (the web image).
type Journal = { entries: { idx: number; when: number; tag: string }[] };
const JOURNAL: Journal = journal;

export type SchemaVersion = {
  /** Number of migrations applied to this database. */
  version: number;
  /** Tag of the newest applied migration, e.g. "0002_audit_and_roles". */
  tag: string | null;
  /** Number of migrations this build ships; version < expectedVersion means "run migrate". */
  expectedVersion: number;
};

export async function getSchemaVersion(db: Db): Promise<SchemaVersion> {
  const expectedVersion = JOURNAL.entries.length;
  const exists = await db.execute<{ present: boolean }>(
    raw`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (exists[0]?.present !== true)
    return { version: 0, tag: null, expectedVersion };
  const rows = await db.execute<{ count: string; last: string | null }>(
    raw`select count(*) as count, max(created_at)::text as last from drizzle.__drizzle_migrations`,
  );
  const version = Number(rows[0]?.count ?? 0);
  const last = rows[0]?.last;
  const tag =
    JOURNAL.entries.find((entry) => String(entry.when) === last)?.tag ?? null;
  return { version, tag, expectedVersion };
}

// Any fixed key works; it only has to be the same for every process that migrates.
const MIGRATION_LOCK_KEY = 0x6b77_6462;

// Applies the committed migrations in packages/db/drizzle (idempotent; one transaction). An advisory
// lock serializes concurrent callers (aggregator replicas, the demo and a Helm job). A server that
// is not the kind `expect` names is refused before anything is applied.
export async function migrate({
  url,
  expect = "auto",
}: {
  url: string;
  expect?: DatabaseKind;
}): Promise<SchemaVersion> {
  await checkDatabaseConnection({ url });
  await checkDatabaseKind({ url, expect });
  const client = createDb({ url, max: 1 });
  try {
    await client.sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await drizzleMigrate(client.db, { migrationsFolder: MIGRATIONS_FOLDER });
    return await getSchemaVersion(client.db);
  } finally {
    await client.sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(
      () => undefined,
    );
    await client.close();
  }
}
