import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTestCluster,
  createTestDatabase,
  type TestDatabase,
} from "../testing";
import {
  appendAudit,
  appendAuditEntries,
  verifyStoredAuditChain,
} from "./append";

describe("audit log", () => {
  let test: TestDatabase;
  let clusterId: string;

  beforeAll(async () => {
    test = await createTestDatabase({ max: 8 });
    clusterId = (await createTestCluster(test.db)).id;
  });
  afterAll(async () => {
    await test.close();
  });

  it("chains concurrent appends so the stored chain verifies", async () => {
    const appends = Array.from({ length: 25 }, (_, i) =>
      appendAudit(test.db, {
        clusterId,
        actor: `user-${i}`,
        action: "recommendation.approve",
        subject: `recommendation:${i}`,
        payload: {
          index: i,
          nested: { b: [1, 2], a: "x" },
          skipped: undefined,
        },
      }),
    );
    await Promise.all(appends);

    const result = await verifyStoredAuditChain(test.db);
    expect(result).toEqual({ ok: true, rowCount: 25 });
  });

  it("appends a batch as consecutive links, in order, amid concurrent single appends", async () => {
    const before = await verifyStoredAuditChain(test.db);
    const batch = Array.from({ length: 40 }, (_, i) => ({
      clusterId,
      actor: "pass",
      action: "recommendation.create",
      subject: `recommendation:batch-${i}`,
      payload: { index: i },
    }));
    const [chained] = await Promise.all([
      test.db.transaction((tx) => appendAuditEntries(tx, batch)),
      ...Array.from({ length: 5 }, (_, i) =>
        appendAudit(test.db, {
          clusterId,
          actor: "single",
          action: "x",
          subject: `single-${i}`,
          payload: {},
        }),
      ),
    ]);
    expect(chained.map((c) => c.subject)).toEqual(batch.map((b) => b.subject));
    for (let i = 1; i < chained.length; i++) {
      expect(chained[i]?.id).toBe((chained[i - 1]?.id ?? 0) + 1);
      expect(chained[i]?.prevHash).toBe(chained[i - 1]?.hash);
    }
    expect(await appendAuditEntries(test.db, [])).toEqual([]);
    expect(await verifyStoredAuditChain(test.db)).toEqual({
      ok: true,
      rowCount: before.rowCount + 45,
    });
  });

  it("rolls the row and the chain head back together with the caller's transaction", async () => {
    const before = await verifyStoredAuditChain(test.db);
    await expect(
      test.db.transaction(async (tx) => {
        await appendAudit(tx, {
          clusterId,
          actor: "a",
          action: "x",
          subject: "s",
          payload: {},
        });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await verifyStoredAuditChain(test.db)).toEqual(before);
  });

  it.each([
    { statement: "update audit_log set actor = 'mallory'", code: "42501" },
    { statement: "delete from audit_log", code: "42501" },
    { statement: "truncate audit_log", code: "42501" },
  ])(
    "refuses `$statement` from the kubewise_app role",
    async ({ statement, code }) => {
      await expect(
        test.sql.begin(async (tx) => {
          await tx`set local role kubewise_app`;
          await tx.unsafe(statement);
        }),
      ).rejects.toThrow(
        expect.objectContaining({
          code,
          message: expect.stringMatching(/permission denied/) as string,
        }),
      );
    },
  );

  it("lets kubewise_app append through appendAudit", async () => {
    await test.db.transaction(async (tx) => {
      await tx.execute("set local role kubewise_app");
      await appendAudit(tx, {
        clusterId,
        actor: "app",
        action: "x",
        subject: "s",
        payload: { ok: true },
      });
    });
    expect((await verifyStoredAuditChain(test.db)).ok).toBe(true);
  });

  it.each(["update audit_log set actor = 'mallory'", "delete from audit_log"])(
    "refuses `%s` even from the owner (trigger)",
    async (statement) => {
      await expect(test.sql.unsafe(statement)).rejects.toThrow(
        /audit_log is append-only/,
      );
    },
  );

  it("detects a row edited behind the trigger's back, at that row", async () => {
    const edit = test.db.transaction(async (tx) => {
      await tx.execute(
        "alter table audit_log disable trigger audit_log_no_update_delete",
      );
      await tx.execute(
        "update audit_log set subject = 'forged' where id = (select min(id) + 3 from audit_log)",
      );
      expect(await verifyStoredAuditChain(tx)).toMatchObject({
        ok: false,
        index: 3,
      });
      tx.rollback();
    });
    await expect(edit).rejects.toThrow(/rollback/i);
    expect((await verifyStoredAuditChain(test.db)).ok).toBe(true);
  });
});
