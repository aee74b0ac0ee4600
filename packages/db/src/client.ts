import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import {
  drizzle,
  type PostgresJsDatabase,
  type PostgresJsQueryResultHKT,
} from "drizzle-orm/postgres-js";
import postgres from "postgres";

import * as schema from "./schema";
import { parseDatabaseUrl } from "./url";

export type Schema = typeof schema;
export type Db = PostgresJsDatabase<Schema>;
export type Sql = postgres.Sql;
/** A database handle or an open transaction: what every query module accepts. */
export type DbExecutor = PgDatabase<
  PostgresJsQueryResultHKT,
  Schema,
  ExtractTablesWithRelations<Schema>
>;
export type DbClient = { db: Db; sql: Sql; close: () => Promise<void> };

export type CreateDbOptions = {
  url: string;
  max?: number;
  onNotice?: (message: string) => void;
};

export function createDb({
  url,
  max = 10,
  onNotice,
}: CreateDbOptions): DbClient {
  parseDatabaseUrl(url);
  const sql = postgres(url, {
    max,
    connect_timeout: 10,
    onnotice: (notice) => onNotice?.(String(notice.message)),
  });
  const db = drizzle(sql, { schema, casing: "snake_case" });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}
