import { expect, navigate, pinnedNow, test } from "./fixtures";

test("an admin creates an API token, the REST API accepts it, and a revoked token is refused", async ({
  page,
  request,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.admin);
  await navigate(page, "API tokens");
  const name = `ci-${testInfo.testId.slice(0, 8)}`;
  await page.getByLabel("Token name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  const token =
    (
      await page.getByTestId("new-token").locator("pre").textContent()
    )?.trim() ?? "";
  expect(token.length).toBeGreaterThan(20);
  await page.screenshot({
    path: testInfo.outputPath("tokens.png"),
    fullPage: true,
  });

  const [stored] = await sql<
    { token_hash: string }[]
  >`select token_hash from api_tokens where name = ${name}`;
  expect(stored?.token_hash).toBeDefined();
  expect(stored?.token_hash).not.toContain(token);

  const bearer = { authorization: `Bearer ${token}` };
  const list = await request.get(
    "/api/v1/recommendations?phase=Pending&limit=5",
    { headers: bearer },
  );
  expect(list.status()).toBe(200);
  const body = (await list.json()) as {
    items: { phase: string }[];
    total: number;
  };
  const [pending] = await sql<
    { count: number }[]
  >`select count(*)::int as count from recommendations where phase = 'Pending'`;
  expect(body.total).toBe(pending?.count);
  expect(body.items.every((item) => item.phase === "Pending")).toBe(true);

  const row = page.getByRole("row", { name: new RegExp(name) });
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");
  expect(
    (
      await request.get("/api/v1/recommendations", { headers: bearer })
    ).status(),
  ).toBe(401);
});

test("the OpenAPI document lists every REST operation", async ({ request }) => {
  const response = await request.get("/api/v1/openapi.json");
  expect(response.status()).toBe(200);
  const document = (await response.json()) as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { operationId: string; parameters?: { name: string }[] }>
    >;
  };
  expect(document.openapi).toMatch(/^3\./);
  // List and cost routes take a cluster by name next to its id.
  expect(document.paths["/costs"]?.get?.parameters?.map((p) => p.name)).toEqual(
    expect.arrayContaining(["clusterId", "cluster"]),
  );
  const operations = Object.values(document.paths).flatMap((methods) =>
    Object.values(methods).map((op) => op.operationId),
  );
  expect(operations.sort()).toEqual(
    [
      "approveRecommendation",
      "createBudget",
      "deleteBudget",
      "dryRunRecommendation",
      "getAllocation",
      "getCosts",
      "getCostSettings",
      "getCurrentUser",
      "getRecommendation",
      "getSafetyConfig",
      "getSavings",
      "listAnomalies",
      "listBudgets",
      "listClusters",
      "listRecommendations",
      "putCostSettings",
      "putSafetyConfig",
      "rejectRecommendation",
    ].sort(),
  );
});

test("an approver creates their own expiring token, scoped down to viewer; a viewer has neither tokens nor the audit log", async ({
  page,
  request,
  sql,
  users,
  loginAs,
}) => {
  await loginAs(users.approver);
  await navigate(page, "API tokens");
  const name = `approver-${String(Date.now())}`;
  await page.getByLabel("Token name").fill(name);
  await page.getByLabel("Expires in").selectOption("7");
  await page.getByLabel("Token role").selectOption("viewer");
  await page.getByRole("button", { name: "Create token" }).click();
  const token =
    (
      await page.getByTestId("new-token").locator("pre").textContent()
    )?.trim() ?? "";
  expect(token.length).toBeGreaterThan(20);
  // Seven days after the dashboard's (pinned) clock.
  const expires = new Date(pinnedNow().getTime() + 7 * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText(users.approver.email);
  await expect(row).toContainText("viewer");
  await expect(row).toContainText(expires);
  const [stored] = await sql<{ role: string | null }[]>`
    select role::text from api_tokens where name = ${name}`;
  expect(stored?.role).toBe("viewer");

  const bearer = { authorization: `Bearer ${token}` };
  const me = await request.get("/api/v1/me", { headers: bearer });
  expect(me.status()).toBe(200);
  expect(((await me.json()) as { role: string }).role).toBe("viewer");
  const [pending] = await sql<{ id: string }[]>`
    select id::text from recommendations where phase = 'Pending' limit 1`;
  const approve = await request.post(
    `/api/v1/recommendation/${pending?.id ?? ""}/approve`,
    { headers: { ...bearer, "content-type": "application/json" }, data: {} },
  );
  expect(approve.status()).toBe(403);
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");

  await page.context().clearCookies();
  await loginAs(users.viewer);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(
    nav.getByRole("link", { name: "Recommendations" }),
  ).toBeVisible();
  await expect(nav.getByRole("link", { name: "API tokens" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Audit log" })).toHaveCount(0);
});
