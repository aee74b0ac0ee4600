import { sql as drizzleSql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDb } from "./client";
import {
  createSingletonLock,
  runExclusiveTransaction,
  type SingletonLock,
} from "./singleton-lock";
import { createTestDatabase, type TestDatabase } from "./testing";

const KEY = 4242;

describe("createSingletonLock", () => {
  let database: TestDatabase;
  let replicaA: SingletonLock;
  let replicaB: SingletonLock;

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    replicaA = createSingletonLock({ url: database.url });
    replicaB = createSingletonLock({ url: database.url });
  });
  afterAll(async () => {
    await Promise.all([replicaA.close(), replicaB.close()]);
    await database.close();
  });

  it("lets one replica run while the other skips, then frees the key", async () => {
    let release = (): void => undefined;
    const holding = replicaA.runExclusive(
      KEY,
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve("a ran");
        }),
    );
    // Wait until A holds the lock before B asks.
    await expect.poll(async () => lockHolders(database, KEY)).toBe(1);
    let bRan = false;
    expect(
      await replicaB.runExclusive(KEY, () => {
        bRan = true;
        return Promise.resolve("b ran");
      }),
    ).toEqual({ ran: false });
    expect(bRan).toBe(false);
    release();
    expect(await holding).toEqual({ ran: true, value: "a ran" });
    expect(await lockHolders(database, KEY)).toBe(0);
    expect(
      await replicaB.runExclusive(KEY, () => Promise.resolve("b ran")),
    ).toEqual({
      ran: true,
      value: "b ran",
    });
  });

  it("releases the key when the work throws, and other keys are independent", async () => {
    await expect(
      replicaA.runExclusive(KEY, () =>
        Promise.reject(new Error("pass failed")),
      ),
    ).rejects.toThrow("pass failed");
    expect(await lockHolders(database, KEY)).toBe(0);
    const nested = await replicaA.runExclusive(KEY, () =>
      replicaB.runExclusive(KEY + 1, () => Promise.resolve("other key")),
    );
    expect(nested).toEqual({
      ran: true,
      value: { ran: true, value: "other key" },
    });
  });

  it("frees the key when the holder's connection dies", async () => {
    const crashing = createSingletonLock({ url: database.url });
    let release = (): void => undefined;
    const holding = crashing.runExclusive(
      KEY,
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    await expect.poll(async () => lockHolders(database, KEY)).toBe(1);
    await killHolder(database, KEY);
    expect(
      await replicaB.runExclusive(KEY, () => Promise.resolve("took over")),
    ).toEqual({
      ran: true,
      value: "took over",
    });
    release();
    await holding;
    await crashing.close();
  });
});

describe("the lock is held on the connection that does the work", () => {
  let database: TestDatabase;
  let other: SingletonLock;

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    await database.sql`create table work_log (replica text not null)`;
    other = createSingletonLock({ url: database.url });
  });
  afterAll(async () => {
    await other.close();
    await database.close();
  });

  it("runExclusive: the work's queries run on the lock's backend; once it is gone they fail instead of reconnecting without the lock", async () => {
    const lock = createSingletonLock({ url: database.url });
    let proceed = (): void => undefined;
    let checked = (): void => undefined;
    const pids = new Promise<void>((resolve) => (checked = resolve));
    const holding = lock
      .runExclusive(KEY, async (sql) => {
        const [me] = await sql<
          { pid: number }[]
        >`select pg_backend_pid() as pid`;
        const [holder] = await sql<{ pid: number }[]>`
          select pid from pg_locks
          where locktype = 'advisory' and objid = ${KEY} and granted`;
        expect(holder?.pid).toBe(me?.pid);
        checked();
        await new Promise<void>((resolve) => (proceed = resolve));
        await sql`insert into work_log values ('a')`;
      })
      .catch((error: unknown) => error);
    await pids;
    await killHolder(database, KEY);
    expect(
      await other.runExclusive(KEY, async (sql) => {
        await sql`insert into work_log values ('b')`;
      }),
    ).toEqual({ ran: true, value: undefined });
    proceed();
    expect(await holding).toMatchObject({ code: "CONNECTION_ENDED" });
    expect(await database.sql`select replica from work_log`).toEqual([
      { replica: "b" },
    ]);
    // the next round connects again and takes the lock
    expect(
      await lock.runExclusive(KEY, () => Promise.resolve("again")),
    ).toEqual({ ran: true, value: "again" });
    await lock.close();
  });

  it("runExclusiveTransaction: one holder at a time, and a holder that dies commits nothing", async () => {
    const client = createDb({ url: database.url, max: 2 });
    const second = createDb({ url: database.url, max: 2 });
    try {
      await database.sql`truncate work_log`;
      let wrote = (): void => undefined;
      const written = new Promise<void>((resolve) => (wrote = resolve));
      // the work never resumes: postgres.js must not be sent a query on a transaction whose
      // connection it saw close (it throws outside any promise)
      const holding = runExclusiveTransaction(
        client.db,
        KEY + 2,
        async (tx) => {
          await tx.execute(drizzleSql`insert into work_log values ('a')`);
          wrote();
          await new Promise<void>(() => undefined);
        },
      ).catch((error: unknown) => error);
      await written;
      expect(
        await runExclusiveTransaction(second.db, KEY + 2, () =>
          Promise.resolve("b ran"),
        ),
      ).toEqual({ ran: false });
      // the holder's connection dies mid-work: its lock and its writes go with it
      await killHolder(database, KEY + 2);
      expect(await holding).toMatchObject({ code: "CONNECTION_CLOSED" });
      expect(await database.sql`select replica from work_log`).toEqual([]);
      expect(
        await runExclusiveTransaction(second.db, KEY + 2, async (tx) => {
          await tx.execute(drizzleSql`insert into work_log values ('b')`);
          return "b ran";
        }),
      ).toEqual({ ran: true, value: "b ran" });
      expect(await database.sql`select replica from work_log`).toEqual([
        { replica: "b" },
      ]);
      expect(await lockHolders(database, KEY + 2)).toBe(0);
    } finally {
      await client.close();
      await second.close();
    }
  });

  it("runExclusiveTransaction with a scope: one holder per cluster, clusters independent", async () => {
    const client = createDb({ url: database.url, max: 2 });
    const second = createDb({ url: database.url, max: 2 });
    const [east, west] = [
      "a8f3c6e2-0000-4000-8000-000000000001",
      "b1d2e3f4-0000-4000-8000-000000000002",
    ];
    try {
      let release = (): void => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      let held = (): void => undefined;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const eastHolder = runExclusiveTransaction(
        client.db,
        KEY + 3,
        async () => {
          held();
          await released;
          return "east ran";
        },
        { scope: east },
      );
      await holding;
      // the same cluster waits its turn; another cluster with the same key does not
      expect(
        await runExclusiveTransaction(
          second.db,
          KEY + 3,
          () => Promise.resolve("east again"),
          { scope: east },
        ),
      ).toEqual({ ran: false });
      expect(
        await runExclusiveTransaction(
          second.db,
          KEY + 3,
          () => Promise.resolve("west ran"),
          { scope: west },
        ),
      ).toEqual({ ran: true, value: "west ran" });
      release();
      expect(await eastHolder).toEqual({ ran: true, value: "east ran" });
    } finally {
      await client.close();
      await second.close();
    }
  });
});

/** Terminates the backend holding `key` and waits until the lock is free. */
async function killHolder(database: TestDatabase, key: number) {
  await database.sql`
    select pg_terminate_backend(pid) from pg_locks
    where locktype = 'advisory' and objid = ${key}`;
  await expect.poll(async () => lockHolders(database, key)).toBe(0);
}

async function lockHolders(database: TestDatabase, key: number) {
  const [row] = await database.sql<{ n: number }[]>`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and objid = ${key} and granted`;
  return row?.n ?? 0;
}
