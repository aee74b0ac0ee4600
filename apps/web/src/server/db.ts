import { createDb, getIngestStats, getSchemaVersion } from "@kubewise/db";
import type { DbClient } from "@kubewise/db";

import { env } from "../env";
import type { DatabaseProbe } from "./status";

// One pool per server process. Next may evaluate this module in several bundles, so the
// handle lives on globalThis (the usual Next pattern for database clients).
const holder = globalThis as typeof globalThis & { kubewiseWebDb?: DbClient };

export function getDatabase(): DbClient {
  holder.kubewiseWebDb ??= createDb({ url: env.DATABASE_URL, max: 10 });
  return holder.kubewiseWebDb;
}

const INGEST_WINDOW_SECONDS = 60;

export const databaseProbe: DatabaseProbe = {
  schemaVersion: async () => {
    const schema = await getSchemaVersion(getDatabase().db);
    const behind =
      schema.version < schema.expectedVersion
        ? `, ${schema.expectedVersion} expected: run migrate`
        : "";
    return `${schema.version} (${schema.tag ?? "no migrations"}${behind})`;
  },
  ingestStats: async () => {
    const stats = await getIngestStats(
      getDatabase().sql,
      INGEST_WINDOW_SECONDS,
    );
    return {
      batchesLastMinute: stats.batches,
      samplesLastMinute: stats.samples,
      agentsLastMinute: stats.agents,
      lastBatchAt: stats.lastReceivedAt?.toISOString() ?? null,
    };
  },
};
