import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import {
  drizzle,
  type PostgresJsDatabase,
  type PostgresJsQueryResultHKT,
} from "drizzle-orm/postgres-js";
import postgres from "postgres";

import * as schema from "./schema";
import { connectNoDelay } from "./socket";
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

// Two pools on purpose: drizzle replaces postgres-js' timestamp and JSON (de)serializers on the
// client it wraps, so `sql` keeps its own client where Dates and objects behave as documented.
// Open connections are lazy, so the second pool costs nothing until raw SQL is used.
export function createDb({
  url,
  max = 10,
  onNotice,
}: CreateDbOptions): DbClient {
  parseDatabaseUrl(url);
  const options = {
    max,
    connect_timeout: 10,
    socket: connectNoDelay,
    onnotice: (notice: postgres.Notice) => onNotice?.(String(notice.message)),
  };
  const sql = postgres(url, options);
  const drizzleClient = postgres(url, options);
  const db = drizzle(drizzleClient, { schema, casing: "snake_case" });
  return {
    db,
    sql,
    close: async () => {
      await Promise.all([
        sql.end({ timeout: 5 }),
        drizzleClient.end({ timeout: 5 }),
      ]);
    },
  };
}
