// Work that must run on one aggregator replica at a time (partition and retention maintenance,
// alert rounds, federated rounds; recommendation passes are sharded instead, see pass-shards.ts)
// holds a PostgreSQL advisory lock on the very connection that does the work, so a replica whose
// connection is lost cannot go on working while another replica takes the lock:
// - runExclusive: a session lock on the lock's own connection (one, never recycled), and the work
//   runs its raw SQL on that connection; when it closes, the client ends, so the work's next query
//   fails instead of reconnecting without the lock;
// - runExclusiveTransaction: a transaction lock taken first in the transaction that does the work:
//   it goes with that transaction, and so do the work's writes (none of a holder that died commits).
// A replica that does not get the lock skips that round. Session locks are re-entrant within one
// session, so exclusivity is between processes: inside a process each loop already runs one round
// at a time.
import { sql as drizzleSql } from "drizzle-orm";
import postgres from "postgres";

import type { DbExecutor, Sql } from "./client";
import { parseDatabaseUrl } from "./url";

export const SINGLETON_LOCK_KEYS = {
  storageMaintenance: 0x6b77_736d,
  allocation: 0x6b77_6163,
  alerts: 0x6b77_616c,
  federatedRounds: 0x6b77_666c,
} as const;

export type ExclusiveResult<T> = { ran: true; value: T } | { ran: false };

export type SingletonLock = {
  /**
   * Runs `work` on the connection that holds `key` when no other process holds it; otherwise
   * resolves to `{ ran: false }` at once. `work` must send its queries through the given `sql`.
   */
  runExclusive: <T>(
    key: number,
    work: (sql: Sql) => Promise<T>,
  ) => Promise<ExclusiveResult<T>>;
  close: () => Promise<void>;
};

export function createSingletonLock({ url }: { url: string }): SingletonLock {
  parseDatabaseUrl(url);
  let client: Sql | undefined;
  const connect = (): Sql => {
    const sql: Sql = postgres(url, {
      max: 1,
      // the lock lives as long as this connection: never recycle it under running work
      max_lifetime: null,
      connect_timeout: 10,
      onnotice: () => undefined,
      // a closed connection took its lock with it: end the client so nothing reconnects without it
      onclose: () => {
        if (client === sql) client = undefined;
        void sql.end();
      },
    });
    client = sql;
    return sql;
  };
  return {
    async runExclusive(key, work) {
      const sql = client ?? connect();
      const [row] = await sql<{ locked: boolean }[]>`
        select pg_try_advisory_lock(${key}) as locked`;
      if (row?.locked !== true) return { ran: false };
      try {
        return { ran: true, value: await work(sql) };
      } finally {
        // A lost connection has already released the lock.
        await sql`select pg_advisory_unlock(${key})`.catch(() => undefined);
      }
    },
    close: async () => {
      const sql = client;
      client = undefined;
      await sql?.end({ timeout: 5 });
    },
  };
}

/**
 * Runs `work` inside one transaction of `db` that first takes `key` as a transaction lock; when
 * another process holds it, resolves to `{ ran: false }` at once. The lock is released at commit
 * or rollback, and a holder whose connection dies commits nothing. With `scope` the lock is one
 * per scope (e.g. per cluster: work on one cluster's rows does not hold up another cluster's).
 */
export async function runExclusiveTransaction<T>(
  db: DbExecutor,
  key: number,
  work: (tx: DbExecutor) => Promise<T>,
  options: { scope?: string } = {},
): Promise<ExclusiveResult<T>> {
  const { scope } = options;
  return db.transaction(async (tx): Promise<ExclusiveResult<T>> => {
    // A scope (a cluster id) makes the lock (key, hashtext(scope)): one holder per cluster.
    const [row] = await tx.execute<{ locked: boolean }>(
      scope === undefined
        ? drizzleSql`select pg_try_advisory_xact_lock(${key}) as locked`
        : drizzleSql`select pg_try_advisory_xact_lock(${key}::int, hashtext(${scope})) as locked`,
    );
    if (row?.locked !== true) return { ran: false };
    return { ran: true, value: await work(tx) };
  });
}
