import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDb } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";

import { createBudget } from "../budgets/budgets";
import type { ServiceContext } from "../context";
import { createServiceFixture, createTestContext, TEST_NOW } from "../testing";
import { createNotificationChannel } from "./channels";
import { deliverNotifications, MAX_DELIVERY_ATTEMPTS } from "./deliver";
import { evaluateAlerts } from "./evaluate";
import { createNotificationSender } from "./transport";

let test: TestDatabase;
let fx: Awaited<ReturnType<typeof createServiceFixture>>;
let http: Server;
let smtp: SMTPServer;
let httpUrl = "";
let smtpPort = 0;
let receiverUp = false;
const posted: { path: string; body: Record<string, unknown> }[] = [];
const mails: { to: string[]; raw: string }[] = [];

beforeAll(async () => {
  test = await createTestDatabase();
  fx = await createServiceFixture(test.db);
  http = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      if (!receiverUp) {
        response.writeHead(503).end();
        return;
      }
      posted.push({
        path: request.url ?? "",
        body: JSON.parse(body) as Record<string, unknown>,
      });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => http.close(resolve));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await test.close();
});

function realSender() {
  return createNotificationSender({
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    from: "kubewise@example.test",
    timeoutMs: 5_000,
  });
}

function ctxAt(now: Date, sender = realSender()): ServiceContext {
  return {
    ...createTestContext(test.db, fx.actors.admin, now),
    ports: { notificationSender: sender },
  };
}

/** A new critical anomaly on `containerId` opened as an alert at `now`; its outbox rows' ids. */
async function openCriticalAlert(
  containerId: string,
  now: Date,
): Promise<number[]> {
  const [anomaly] = await test.sql<{ id: string }[]>`
    insert into anomalies (cluster_id, container_id, kind, severity, detected_at, time_to_limit_seconds, details)
    values (${fx.cluster.id}, ${containerId}, 'leak', 'critical', ${now}, 3600, '{}') returning id::text`;
  await evaluateAlerts({
    ctx: ctxAt(now),
    input: { clusterId: fx.cluster.id },
  });
  const rows = await test.sql<{ id: number }[]>`
    select o.id from notification_outbox o join alerts a on a.id = o.alert_id
    where a.dedup_key = ${`anomaly:${anomaly?.id ?? ""}`} order by o.id`;
  return rows.map((r) => Number(r.id));
}

async function outboxRows(ids: number[]) {
  return test.sql<
    { status: string; attempts: number; lastError: string | null }[]
  >`
    select status, attempts, last_error as "lastError" from notification_outbox
    where id in ${test.sql(ids)} order by id`;
}

describe("budgets, alerts and notifications", () => {
  it("a forecast over budget notifies by webhook, Slack and e-mail from the outbox, with retries and nothing lost", async () => {
    const admin = ctxAt(TEST_NOW);
    await createNotificationChannel({
      ctx: admin,
      input: { name: "ops hook", kind: "webhook", target: `${httpUrl}/hook` },
    });
    await createNotificationChannel({
      ctx: admin,
      input: { name: "#finops", kind: "slack", target: `${httpUrl}/slack` },
    });
    await createNotificationChannel({
      ctx: admin,
      input: {
        name: "finops mail",
        kind: "email",
        target: "finops@example.test",
      },
    });
    const budget = await createBudget({
      ctx: admin,
      input: {
        name: "shop",
        scopeKind: "namespace",
        scopeValue: "shop",
        monthlyLimitMicroUsd: 1_000_000,
      },
    });
    expect(budget.monthToDateMicroUsd).toBeGreaterThanOrEqual(0);
    expect(budget.forecastMicroUsd).toBeGreaterThan(budget.monthToDateMicroUsd);

    expect(
      await evaluateAlerts({ ctx: admin, input: { clusterId: fx.cluster.id } }),
    ).toMatchObject({ opened: 1 });
    // Reruns open nothing new: one alert per budget and month.
    expect(
      await evaluateAlerts({ ctx: admin, input: { clusterId: fx.cluster.id } }),
    ).toMatchObject({ opened: 0 });

    // The HTTP receiver is down: both HTTP rows wait for a retry; e-mail goes through.
    expect(await deliverNotifications({ ctx: admin, input: {} })).toEqual({
      delivered: 1,
      retrying: 2,
      failed: 0,
    });
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toEqual(["finops@example.test"]);
    expect(mails[0]?.raw).toContain('Budget "shop" is forecast at');

    // A "restart": a new context, nothing in memory. Not due yet -> nothing sent.
    receiverUp = true;
    expect(
      await deliverNotifications({ ctx: ctxAt(TEST_NOW), input: {} }),
    ).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    const later = ctxAt(new Date(TEST_NOW.getTime() + 60_000));
    expect(await deliverNotifications({ ctx: later, input: {} })).toEqual({
      delivered: 2,
      retrying: 0,
      failed: 0,
    });
    const hook = posted.find((p) => p.path === "/hook");
    expect(hook?.body).toMatchObject({
      kind: "budget_forecast",
      clusterId: fx.cluster.id,
    });
    const slack = posted.find((p) => p.path === "/slack");
    expect(slack?.body.text).toMatch(/^\[Kubewise\] Budget "shop"/);
    expect(Array.isArray(slack?.body.blocks)).toBe(true);
    const rows = await test.sql<{ status: string; attempts: number }[]>`
      select status, attempts from notification_outbox order by id`;
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["delivered", 2],
      ["delivered", 2],
      ["delivered", 1],
    ]);
  });

  it("new critical anomalies alert once; channel targets are validated", async () => {
    const admin = ctxAt(TEST_NOW);
    await test.sql`
      insert into anomalies (cluster_id, container_id, kind, severity, detected_at, time_to_limit_seconds, details)
      values (${fx.cluster.id}, ${fx.payments.container.id}, 'oom_risk', 'critical', ${TEST_NOW}, 1800, '{}')`;
    const result = await evaluateAlerts({
      ctx: admin,
      input: { clusterId: fx.cluster.id },
    });
    expect(result.opened).toBe(1);
    const [alert] = await test.sql<
      { title: string }[]
    >`select title from alerts where kind = 'critical_anomaly'`;
    expect(alert?.title).toContain("payments/payments-api");
    await expect(
      createNotificationChannel({
        ctx: admin,
        input: { name: "x", kind: "email", target: "not-an-address" },
      }),
    ).rejects.toMatchObject({
      code: "VALIDATION",
      fieldErrors: { target: [expect.stringContaining("not-an-address")] },
    });
  });

  it("a deliverer that dies after sending, before recording it, loses nothing: the next one sends again", async () => {
    receiverUp = true;
    const ids = await openCriticalAlert(fx.shop.container.id, TEST_NOW);
    expect(ids).toHaveLength(3);
    const before = posted.length;
    // The deliverer runs on its own connection. Its first send reaches the receiver; then it
    // hangs and its connection is cut (as when the process is killed): its transaction, with
    // every row it claimed, rolls back on the server.
    const doomed = createDb({ url: test.url, max: 1 });
    const real = realSender();
    let firstSent: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => (firstSent = resolve));
    const hangAfterSend = async (message: Parameters<typeof real>[0]) => {
      await real(message);
      firstSent();
      await new Promise<never>(() => undefined);
    };
    void deliverNotifications({
      ctx: { ...ctxAt(TEST_NOW, hangAfterSend), db: doomed.db },
      input: {},
    }).catch(() => undefined);
    await sent;
    expect(posted.length).toBe(before + 1);
    await doomed.close();
    await expect
      .poll(async () => {
        const [row] = await test.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and state like 'idle in transaction%'`;
        return row?.n;
      })
      .toBe(0);
    expect((await outboxRows(ids)).map((r) => [r.status, r.attempts])).toEqual([
      ["pending", 0],
      ["pending", 0],
      ["pending", 0],
    ]);
    // A fresh deliverer (nothing in memory) delivers all three: at least once, none lost.
    await deliverNotifications({ ctx: ctxAt(TEST_NOW), input: {} });
    expect((await outboxRows(ids)).map((r) => [r.status, r.attempts])).toEqual([
      ["delivered", 1],
      ["delivered", 1],
      ["delivered", 1],
    ]);
  });

  it(`gives up on a receiver that refuses ${String(MAX_DELIVERY_ATTEMPTS)} times, backing off between tries, and keeps the reason`, async () => {
    const ids = await openCriticalAlert(fx.payments.container.id, TEST_NOW);
    receiverUp = false;
    try {
      const attemptsAt: number[] = [];
      // Two hours apart: past the longest back-off (1 h), so every try is due.
      for (let i = 0; i < MAX_DELIVERY_ATTEMPTS + 2; i += 1) {
        const at = new Date(TEST_NOW.getTime() + i * 7_200_000);
        await deliverNotifications({ ctx: ctxAt(at), input: {} });
        const [webhook] = await outboxRows(ids);
        attemptsAt.push(webhook?.attempts ?? -1);
        // Not due again right after a failure: a retry waits for its back-off.
        await deliverNotifications({ ctx: ctxAt(at), input: {} });
        expect((await outboxRows(ids))[0]?.attempts).toBe(webhook?.attempts);
      }
      expect(attemptsAt).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10]);
      const rows = await outboxRows(ids);
      // webhook and Slack failed for good, with the receiver's answer; e-mail went through.
      expect(rows.map((r) => [r.status, r.attempts])).toEqual([
        ["failed", MAX_DELIVERY_ATTEMPTS],
        ["failed", MAX_DELIVERY_ATTEMPTS],
        ["delivered", 1],
      ]);
      expect(rows[0]?.lastError).toContain("HTTP 503");
    } finally {
      receiverUp = true;
    }
  });
});
