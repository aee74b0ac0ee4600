// Work that must run on one aggregator replica at a time (partition and retention maintenance,
// alert rounds, federated rounds; recommendation passes are sharded instead, see pass-shards.ts)
// holds a PostgreSQL session advisory lock on a connection of its own. A replica that does not get
// the lock skips that round; a crashed holder's lock goes with its connection. Session locks are re-entrant within one session, so exclusivity is between processes:
// inside a process each loop already runs one round at a time.
import postgres from "postgres";

import { parseDatabaseUrl } from "./url";

export const SINGLETON_LOCK_KEYS = {
  storageMaintenance: 0x6b77_736d,
  alerts: 0x6b77_616c,
  federatedRounds: 0x6b77_666c,
} as const;

export type ExclusiveResult<T> = { ran: true; value: T } | { ran: false };

export type SingletonLock = {
  /** Runs `work` when no other process holds `key`; otherwise resolves to `{ ran: false }` at once. */
  runExclusive: <T>(
    key: number,
    work: () => Promise<T>,
  ) => Promise<ExclusiveResult<T>>;
  close: () => Promise<void>;
};

export function createSingletonLock({ url }: { url: string }): SingletonLock {
  parseDatabaseUrl(url);
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 10,
    onnotice: () => undefined,
  });
  return {
    async runExclusive(key, work) {
      const [row] = await sql<{ locked: boolean }[]>`
        select pg_try_advisory_lock(${key}) as locked`;
      if (row?.locked !== true) return { ran: false };
      try {
        return { ran: true, value: await work() };
      } finally {
        // A lost connection has already released the lock.
        await sql`select pg_advisory_unlock(${key})`.catch(() => undefined);
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
