import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createSingletonLock, type SingletonLock } from "./singleton-lock";
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
    await database.sql`
      select pg_terminate_backend(pid) from pg_locks
      where locktype = 'advisory' and objid = ${KEY}`;
    await expect.poll(async () => lockHolders(database, KEY)).toBe(0);
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

async function lockHolders(database: TestDatabase, key: number) {
  const [row] = await database.sql<{ n: number }[]>`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and objid = ${key} and granted`;
  return row?.n ?? 0;
}
