import { randomBytes } from "node:crypto";

import { TransactionRollbackError } from "drizzle-orm";
import postgres from "postgres";
import { inject } from "vitest";

import { createDb, type Db, type DbClient, type DbExecutor } from "../client";
import { prepareCitusDatabase } from "../servers/citus";
import { withDatabase } from "../url";
import {
  PROVIDED_ADMIN_URL,
  PROVIDED_SERVER_KIND,
  PROVIDED_TEMPLATE,
  PROVIDED_WORKER_URLS,
  type TestServerKind,
} from "./provided";
import { createDatabaseEverywhere, dropDatabaseEverywhere } from "./template";

export type TestDatabase = DbClient & { url: string; name: string };

let admin: postgres.Sql | undefined;

function getAdmin(): postgres.Sql {
  admin ??= postgres(inject(PROVIDED_ADMIN_URL), {
    max: 1,
    idle_timeout: 5,
    onnotice: () => undefined,
  });
  return admin;
}

/** What the db project runs against (KUBEWISE_TEST_DB), for tests of one storage path. */
export function getTestServerKind(): TestServerKind {
  return inject(PROVIDED_SERVER_KIND);
}

/**
 * A fresh database for one suite, copied from the migrated template (or empty, with
 * `migrated: false`; on Citus that is an empty Citus database with the workers registered).
 * close() drops it.
 */
export async function createTestDatabase(
  options: { migrated?: boolean; max?: number } = {},
): Promise<TestDatabase> {
  const name = `kubewise_test_${randomBytes(6).toString("hex")}`;
  const adminUrl = inject(PROVIDED_ADMIN_URL);
  const workers = inject(PROVIDED_WORKER_URLS);
  const everywhere = [adminUrl, ...workers];
  if (options.migrated !== false)
    await createDatabaseEverywhere(everywhere, name, inject(PROVIDED_TEMPLATE));
  else if (workers.length > 0)
    await prepareCitusDatabase({
      coordinatorAdminUrl: adminUrl,
      workerAdminUrls: workers,
      database: name,
    });
  else await getAdmin().unsafe(`create database "${name}" template template0`);
  const url = withDatabase(adminUrl, name);
  const client = createDb({ url, max: options.max ?? 5 });
  return {
    ...client,
    url,
    name,
    close: async () => {
      await client.close();
      await dropDatabaseEverywhere(everywhere, name);
    },
  };
}

/** Runs `fn` in a transaction that is always rolled back, and returns its result. */
export async function withRollback<T>(
  db: Db,
  fn: (tx: DbExecutor) => Promise<T>,
): Promise<T> {
  let outcome: { value: T } | undefined;
  try {
    await db.transaction(async (tx) => {
      outcome = { value: await fn(tx) };
      tx.rollback();
    });
  } catch (error: unknown) {
    if (!(error instanceof TransactionRollbackError) || outcome === undefined) {
      throw error;
    }
  }
  if (outcome === undefined)
    throw new Error("withRollback: transaction ended without a result");
  return outcome.value;
}
