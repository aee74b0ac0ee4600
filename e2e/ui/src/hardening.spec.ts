import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { expect, test } from "./fixtures";

test("pages carry a nonce CSP and anti-framing headers, and another site cannot frame them", async ({
  page,
  request,
  baseURL,
  users,
  loginAs,
}) => {
  const response = await request.get("/login");
  const csp = response.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(
    /script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/,
  );
  expect(response.headers()["x-frame-options"]).toBe("DENY");
  expect(response.headers()["x-content-type-options"]).toBe("nosniff");
  const again = await request.get("/login");
  expect(again.headers()["content-security-policy"]).not.toBe(csp);

  // The app itself runs under its CSP (no blocked scripts: sign-in works).
  await loginAs(users.approver);

  const attacker = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(
      `<!doctype html><iframe id="victim" src="${baseURL ?? ""}/recommendations" width="800" height="600"></iframe>`,
    );
  });
  await new Promise<void>((resolve) =>
    attacker.listen(0, "127.0.0.1", resolve),
  );
  try {
    const port = (attacker.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator("#victim").waitFor();
    await expect
      .poll(() =>
        page
          .frames()
          .filter((frame) => frame !== page.mainFrame())
          .map((frame) => frame.url()),
      )
      .toEqual(["chrome-error://chromewebdata/"]);
  } finally {
    await new Promise((resolve) => attacker.close(resolve));
  }
});

test("unknown API routes and oversized bodies answer problem+json", async ({
  request,
}) => {
  for (const path of [
    "/api/v1/nope",
    "/api/v1/recommendations/x/y",
    "/api/nothing",
  ]) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(404);
    expect(response.headers()["content-type"]).toBe("application/problem+json");
    expect(((await response.json()) as { code: string }).code).toBe(
      "NOT_FOUND",
    );
  }
  const big = "x".repeat(1024 * 1024 + 1);
  for (const path of [
    "/api/v1/recommendation/3f1c6c84-6d0e-4d7a-9a57-0d3c1f2b9a10/reject",
    "/api/trpc/recommendation.reject",
  ]) {
    const response = await request.post(path, {
      headers: {
        "content-type": "application/json",
        authorization: "Bearer kw_x",
      },
      data: JSON.stringify({ reason: big }),
    });
    expect(response.status(), path).toBe(413);
    expect(response.headers()["content-type"]).toBe("application/problem+json");
  }
});

test("anonymous /status says only ok or degraded; details need a login", async ({
  page,
  users,
  loginAs,
}) => {
  await page.goto("/status");
  await expect(page.getByTestId("status-overall")).toHaveText("ok");
  await expect(page.getByTestId("status-schema-version")).toHaveCount(0);
  await loginAs(users.viewer);
  await page.goto("/status");
  await expect(page.getByTestId("status-schema-version")).toContainText("(");
});

test("a mistyped page or id shows a friendly not-found page, and other namespaces look missing", async ({
  page,
  request,
  sql,
  users,
  loginAs,
}) => {
  await loginAs(users.viewer);
  await page.goto("/no-such-page");
  await expect(page.getByTestId("not-found")).toBeVisible();
  await page.goto("/recommendations/not-a-uuid");
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page.locator("body")).not.toContainText("invalid_format");
  await page.goto("/recommendations/3f1c6c84-6d0e-4d7a-9a57-0d3c1f2b9a10");
  await expect(page.getByTestId("not-found-state")).toBeVisible();

  // The viewer is scoped to shop + staging: a payments id answers exactly like a missing one.
  const [other] = await sql<{ id: string }[]>`
    select r.id::text from recommendations r join containers c on c.id = r.container_id
    join workloads w on w.id = c.workload_id where w.namespace = 'payments' limit 1`;
  const missing = await page.request.get(
    "/api/v1/recommendations/3f1c6c84-6d0e-4d7a-9a57-0d3c1f2b9a10",
  );
  const outOfScope = await page.request.get(
    `/api/v1/recommendations/${other?.id ?? ""}`,
  );
  expect(outOfScope.status()).toBe(404);
  expect(missing.status()).toBe(404);
  expect(Object.keys((await outOfScope.json()) as object).sort()).toEqual(
    Object.keys((await missing.json()) as object).sort(),
  );
  void request;
});

test("sessions are server-side: sign-out revokes the cookie at once and a role change applies on the next request", async ({
  page,
  sql,
  users,
  loginAs,
}) => {
  await loginAs(users.approver);
  const cookies = await page.context().cookies();
  expect((await page.request.get("/api/v1/me")).status()).toBe(200);
  await sql`update users set role = 'viewer' where email = ${users.approver.email}`;
  try {
    const me = (await (await page.request.get("/api/v1/me")).json()) as {
      role: string;
    };
    expect(me.role).toBe("viewer");
  } finally {
    await sql`update users set role = 'approver' where email = ${users.approver.email}`;
  }
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  // The old cookie, replayed, no longer works.
  await page.context().addCookies(cookies);
  expect((await page.request.get("/api/v1/me")).status()).toBe(401);
});
