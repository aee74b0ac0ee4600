// Recommendation-pass shards across aggregator replicas. Each replica process holds a member
// lock (a session advisory lock in a per-cluster slot) for as long as it lives, so the live
// replicas of a cluster are the granted member locks in pg_locks; replica r of m runs the shards
// s with s % m == r. A shard's lease is a second session advisory lock held while its containers
// are worked on: two replicas never work on one shard at once, even while membership changes, and
// a crashed replica's member slot and leases go with its connection (the others take its shards
// from their next pass on).
import postgres from "postgres";

import type { ExclusiveResult } from "./singleton-lock";
import { parseDatabaseUrl } from "./url";

/** Advisory-lock class keys (the first int4 of the two-key form); the second is per cluster. */
const MEMBER_KEY = 0x6b77_6d62;
const SHARD_KEY = 0x6b77_7368;
/** Member slots per cluster (replicas beyond it run no shards and say so). */
export const MAX_PASS_MEMBERS = 64;

export type PassShardLeases = {
  count: number;
  /** Takes a member slot now (a replica joins at start, so the first pass already splits). */
  join: () => Promise<void>;
  /** This replica's shards for a pass (joins on first use); [] when no member slot was free. */
  assigned: () => Promise<{ shards: number[]; members: number }>;
  /** Runs `work` holding the shard's lease; `{ ran: false }` at once when another replica holds it. */
  withLease: <T>(
    shard: number,
    work: () => Promise<T>,
  ) => Promise<ExclusiveResult<T>>;
  close: () => Promise<void>;
};

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A container's shard: every replica computes the same split from the id alone. */
export function passShardOf(containerId: string, count: number): number {
  return fnv1a(containerId) % count;
}

/** A cluster's place in the second lock key: 2^24 clusters x 64 slots or shards stay in an int4. */
function clusterSlotBase(clusterId: string): number {
  return (fnv1a(clusterId) & 0xff_ffff) * MAX_PASS_MEMBERS;
}

export function createPassShardLeases(options: {
  url: string;
  clusterId: string;
  /** Shards per pass (at most MAX_PASS_MEMBERS, the lock key's room per cluster). */
  count: number;
}): PassShardLeases {
  parseDatabaseUrl(options.url);
  const { count } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_PASS_MEMBERS)
    throw new RangeError(
      `shard count must be an integer in 1..${MAX_PASS_MEMBERS}, got ${count}`,
    );
  const base = clusterSlotBase(options.clusterId);
  // One session holds this process's member lock and its shard leases.
  const sql = postgres(options.url, {
    max: 1,
    connect_timeout: 10,
    onnotice: () => undefined,
  });
  let slot: number | undefined;
  const join = async (): Promise<number | undefined> => {
    if (slot !== undefined) {
      // A reconnected session lost its locks: take a slot again.
      const [held] = await sql<{ held: boolean }[]>`
        select exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()
          and classid = ${MEMBER_KEY} and objid = ${base + slot} and objsubid = 2 and granted) as held`;
      if (held?.held === true) return slot;
      slot = undefined;
    }
    for (let s = 0; s < MAX_PASS_MEMBERS; s++) {
      const [row] = await sql<{ locked: boolean }[]>`
        select pg_try_advisory_lock(${MEMBER_KEY}, ${base + s}) as locked`;
      if (row?.locked === true) return (slot = s);
    }
    return undefined;
  };
  return {
    count,
    async join() {
      await join();
    },
    async assigned() {
      const mine = await join();
      const rows = await sql<{ slot: number }[]>`
        select objid::int - ${base} as slot from pg_locks
        where locktype = 'advisory' and classid = ${MEMBER_KEY} and objsubid = 2 and granted
          and database = (select oid from pg_database where datname = current_database())
          and objid::bigint between ${base} and ${base + MAX_PASS_MEMBERS - 1}
        order by 1`;
      const members = rows.map((r) => r.slot);
      const rank = mine === undefined ? -1 : members.indexOf(mine);
      if (rank < 0) return { shards: [], members: members.length };
      const shards = Array.from({ length: count }, (_, s) => s).filter(
        (s) => s % members.length === rank,
      );
      return { shards, members: members.length };
    },
    async withLease(shard, work) {
      const key = base + shard;
      const [row] = await sql<{ locked: boolean }[]>`
        select pg_try_advisory_lock(${SHARD_KEY}, ${key}) as locked`;
      if (row?.locked !== true) return { ran: false };
      try {
        return { ran: true, value: await work() };
      } finally {
        // A lost connection has already released the lease.
        await sql`select pg_advisory_unlock(${SHARD_KEY}, ${key})`.catch(
          () => undefined,
        );
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
