import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from "@kubewise/core";
import {
  getActiveApiTokenByHash,
  insertAnomaly,
  listApiTokens as queryTokens,
} from "@kubewise/db";
import {
  createTestDatabase,
  createTestUser,
  type TestDatabase,
} from "@kubewise/db/testing";

import { listAnomalies } from "./anomalies/list";
import { listAuditEntries } from "./audit/list";
import { verifyAuditChain } from "./audit/verify";
import type { PublicContext } from "./context";
import { getSafetyConfig } from "./safety/get-config";
import { putSafetyConfig } from "./safety/put-config";
import { createServiceFixture, createTestContext, TEST_NOW } from "./testing";
import { authenticateApiToken } from "./tokens/authenticate";
import { createApiToken } from "./tokens/create";
import { revokeApiToken } from "./tokens/revoke";
import { authenticateCredentials } from "./users/authenticate-credentials";
import { ensureBootstrapAdmin } from "./users/ensure-bootstrap-admin";
import { upsertOidcUser } from "./users/upsert-oidc-user";

let test: TestDatabase;
let fx: Awaited<ReturnType<typeof createServiceFixture>>;
let publicCtx: PublicContext;

beforeAll(async () => {
  test = await createTestDatabase();
  publicCtx = {
    db: test.db,
    clock: { now: () => TEST_NOW },
    logger: pino({ level: "silent" }),
    ports: {},
  };
});
afterAll(async () => {
  await test.close();
});
beforeEach(async () => {
  fx = await createServiceFixture(test.db);
});

describe("safety config", () => {
  it("returns defaults, lets an admin change them, and audits the change", async () => {
    const input = { clusterId: fx.cluster.id, namespace: "payments" };
    const before = await getSafetyConfig({
      ctx: createTestContext(test.db, fx.actors.admin),
      input,
    });
    expect(before).toMatchObject({
      isDefault: true,
      config: { dryRunEnabled: true, requireApproval: true },
    });
    const config = {
      dryRunEnabled: false,
      requireApproval: false,
      autoApplyEnabled: true,
      autoApplyMinConfidence: 0.8,
    };
    const saved = await putSafetyConfig({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { ...input, config },
    });
    expect(saved).toMatchObject({ isDefault: false, config });
    const [audit] = await listAuditEntries({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { subject: "namespace:payments", clusterId: fx.cluster.id },
    });
    expect(audit).toMatchObject({
      action: "safety.put_config",
      payload: { after: config },
      actorName: `Test User <${fx.users.admin.email}>`,
    });
  });

  it("forbids viewers from changing and out-of-scope users from reading; validates input", async () => {
    const config = {
      dryRunEnabled: false,
      requireApproval: false,
      autoApplyEnabled: true,
      autoApplyMinConfidence: 0.8,
    };
    await expect(
      putSafetyConfig({
        ctx: createTestContext(test.db, fx.actors.viewer),
        input: { clusterId: fx.cluster.id, namespace: "shop", config },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      getSafetyConfig({
        ctx: createTestContext(test.db, fx.actors.viewer),
        input: { clusterId: fx.cluster.id, namespace: "payments" },
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      putSafetyConfig({
        ctx: createTestContext(test.db, fx.actors.admin),
        input: {
          clusterId: fx.cluster.id,
          namespace: "Bad_NS",
          config: { ...config, autoApplyMinConfidence: 3 },
        },
      }),
    ).rejects.toMatchObject({
      code: "VALIDATION",
      fieldErrors: {
        namespace: [expect.any(String)],
        "config.autoApplyMinConfidence": [expect.any(String)],
      },
    });
  });

  it("saves settings only for a namespace that exists, unless told it is a future one", async () => {
    const ctx = createTestContext(test.db, fx.actors.admin);
    const config = {
      dryRunEnabled: true,
      requireApproval: true,
      autoApplyEnabled: false,
      autoApplyMinConfidence: 0.9,
    };
    const input = { clusterId: fx.cluster.id, namespace: "paymnets", config };
    await expect(putSafetyConfig({ ctx, input })).rejects.toMatchObject({
      code: "VALIDATION",
      fieldErrors: {
        namespace: [expect.stringMatching(/allowFutureNamespace/)],
      },
    });
    await expect(
      putSafetyConfig({ ctx, input: { ...input, allowFutureNamespace: true } }),
    ).resolves.toMatchObject({ namespace: "paymnets", isDefault: false });
  });
});

describe("api tokens", () => {
  it("shows the token once, stores only its hash, authenticates and revokes", async () => {
    const created = await createApiToken({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { name: "ci" },
    });
    expect(created.token).toMatch(/^kw_[A-Za-z0-9_-]{43}$/);
    const stored = (await queryTokens(test.db)).find(
      (t) => t.id === created.id,
    );
    expect(stored?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(created.token);
    const who = await authenticateApiToken({
      ctx: publicCtx,
      input: { token: `Bearer ${created.token}` },
    });
    expect(who?.actor).toMatchObject({
      userId: fx.users.admin.id,
      role: "admin",
      scopes: "all",
    });
    expect(
      await authenticateApiToken({
        ctx: publicCtx,
        input: { token: "kw_wrong" },
      }),
    ).toBeUndefined();
    await revokeApiToken({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { id: created.id },
    });
    expect(
      await authenticateApiToken({
        ctx: publicCtx,
        input: { token: created.token },
      }),
    ).toBeUndefined();
    expect(
      await getActiveApiTokenByHash(test.db, stored?.tokenHash ?? ""),
    ).toBeUndefined();
    await expect(
      revokeApiToken({
        ctx: createTestContext(test.db, fx.actors.admin),
        input: { id: created.id },
      }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it("approvers create their own tokens, scoped to their role and namespaces, with an expiry", async () => {
    await expect(
      createApiToken({
        ctx: createTestContext(test.db, fx.actors.viewer),
        input: { name: "x" },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const approver = createTestContext(test.db, fx.actors.shopApprover);
    await expect(
      createApiToken({ ctx: approver, input: { name: "x", role: "admin" } }),
    ).rejects.toMatchObject({
      code: "VALIDATION",
      fieldErrors: { role: ["at most approver"] },
    });
    await expect(
      createApiToken({
        ctx: approver,
        input: {
          name: "x",
          namespaces: [{ clusterId: fx.cluster.id, namespace: "payments" }],
        },
      }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
    const created = await createApiToken({
      ctx: approver,
      input: { name: "ci read-only", role: "viewer", expiresInDays: 7 },
    });
    expect(created.expiresAt).toEqual(
      new Date(TEST_NOW.getTime() + 7 * 86_400_000),
    );
    await test.sql`insert into user_namespace_scopes (user_id, cluster_id, namespace)
      values (${fx.users.approver.id}, ${fx.cluster.id}, 'shop') on conflict do nothing`;
    const user = await authenticateApiToken({
      ctx: publicCtx,
      input: { token: created.token },
    });
    expect(user?.actor.role).toBe("viewer");
    const expired = await authenticateApiToken({
      ctx: {
        ...publicCtx,
        clock: { now: () => new Date(TEST_NOW.getTime() + 8 * 86_400_000) },
      },
      input: { token: created.token },
    });
    expect(expired).toBeUndefined();
    // Another user's token answers like a missing one; the owner sees only their own.
    await expect(
      revokeApiToken({
        ctx: createTestContext(test.db, {
          ...fx.actors.approver,
          userId: fx.users.viewer.id,
        }),
        input: { id: created.id },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      revokeApiToken({ ctx: approver, input: { id: created.id } }),
    ).resolves.toMatchObject({ id: created.id });
  });
});

describe("users", () => {
  it("bootstraps the admin idempotently and authenticates credentials", async () => {
    const email = `boot-${fx.cluster.id.slice(0, 8)}@example.test`;
    const first = await ensureBootstrapAdmin({
      ctx: publicCtx,
      input: { email, password: "correct horse battery" },
    });
    expect(first.changed).toBe(true);
    expect(
      (
        await ensureBootstrapAdmin({
          ctx: publicCtx,
          input: { email, password: "correct horse battery" },
        })
      ).changed,
    ).toBe(false);
    const ok = await authenticateCredentials({
      ctx: publicCtx,
      input: { email: email.toUpperCase(), password: "correct horse battery" },
    });
    expect(ok?.actor).toMatchObject({
      userId: first.userId,
      role: "admin",
      scopes: "all",
    });
    expect(
      await authenticateCredentials({
        ctx: publicCtx,
        input: { email, password: "wrong" },
      }),
    ).toBeUndefined();
    expect(
      await authenticateCredentials({
        ctx: publicCtx,
        input: { email: "nobody@example.test", password: "x" },
      }),
    ).toBeUndefined();
    await expect(
      ensureBootstrapAdmin({
        ctx: publicCtx,
        input: { email, password: "short" },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("creates OIDC users as viewers without namespaces", async () => {
    const email = `oidc-${fx.cluster.id.slice(0, 8)}@example.test`;
    const user = await upsertOidcUser({
      ctx: publicCtx,
      input: { email, name: "Olga", emailVerified: true },
    });
    expect(user.actor).toMatchObject({ role: "viewer", scopes: [] });
    expect(
      (
        await upsertOidcUser({
          ctx: publicCtx,
          input: { email, name: "Olga B", emailVerified: true },
        })
      ).id,
    ).toBe(user.id);
  });

  it("refuses unverified emails and never takes over a password user unless allowed", async () => {
    const email = `oidc-unverified-${fx.cluster.id.slice(0, 8)}@example.test`;
    await expect(
      upsertOidcUser({
        ctx: publicCtx,
        input: { email, name: "Mallory", emailVerified: false },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const admin = await createTestUser(test.db, {
      role: "admin",
      passwordHash: "scrypt$32768$8$1$c2FsdA$aGFzaA",
    });
    await expect(
      upsertOidcUser({
        ctx: publicCtx,
        input: { email: admin.email, name: "Mallory", emailVerified: true },
      }),
    ).rejects.toThrow(/password account/);
    const linked = await upsertOidcUser({
      ctx: publicCtx,
      input: {
        email: admin.email,
        name: admin.name,
        emailVerified: true,
        linkCredentialsUsers: true,
      },
    });
    expect(linked.id).toBe(admin.id);
  });
});

describe("anomalies and audit", () => {
  it("lists open anomalies in scope", async () => {
    const base = {
      clusterId: fx.cluster.id,
      severity: "warning" as const,
      detectedAt: TEST_NOW,
      timeToLimitSeconds: 3600,
      details: {},
    };
    await insertAnomaly(test.db, {
      ...base,
      containerId: fx.shop.container.id,
      kind: "leak",
    });
    await insertAnomaly(test.db, {
      ...base,
      containerId: fx.payments.container.id,
      kind: "oom_risk",
    });
    const seen = await listAnomalies({
      ctx: createTestContext(test.db, fx.actors.viewer),
      input: { clusterId: fx.cluster.id },
    });
    expect(
      seen.map((a) => [a.namespace, a.kind, a.timeToLimitSeconds]),
    ).toEqual([["shop", "leak", 3600]]);
    const all = await listAnomalies({
      ctx: createTestContext(test.db, fx.actors.admin),
      input: { clusterId: fx.cluster.id, kind: "oom_risk" },
    });
    expect(all.map((a) => a.workloadName)).toEqual(["payments-api"]);
  });

  it("verifies the chain for admins only", async () => {
    expect(
      await verifyAuditChain({
        ctx: createTestContext(test.db, fx.actors.admin),
        input: {},
      }),
    ).toMatchObject({ ok: true, brokenAtIndex: null });
    await expect(
      listAuditEntries({
        ctx: createTestContext(test.db, fx.actors.approver),
        input: {},
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
