import { randomBytes } from "node:crypto";

import { TransactionRollbackError } from "drizzle-orm";
import postgres from "postgres";
import { inject } from "vitest";

import { createDb, type Db, type DbClient, type DbExecutor } from "../client";
import { withDatabase } from "../url";
import { PROVIDED_ADMIN_URL, PROVIDED_TEMPLATE } from "./provided";

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

/**
 * A fresh database for one suite, copied from the migrated template (or empty, from template0,
 * with `migrated: false`). close() drops it.
 */
export async function createTestDatabase(
  options: { migrated?: boolean; max?: number } = {},
): Promise<TestDatabase> {
  const name = `kubewise_test_${randomBytes(6).toString("hex")}`;
  const template =
    options.migrated === false ? "template0" : inject(PROVIDED_TEMPLATE);
  await getAdmin().unsafe(`create database "${name}" template "${template}"`);
  const url = withDatabase(inject(PROVIDED_ADMIN_URL), name);
  const client = createDb({ url, max: options.max ?? 5 });
  return {
    ...client,
    url,
    name,
    close: async () => {
      await client.close();
      await getAdmin().unsafe(`drop database if exists "${name}" with (force)`);
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
