import { expect, navigate, test } from "./fixtures";

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
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  expect(document.openapi).toMatch(/^3\./);
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
      "listRecommendations",
      "putCostSettings",
      "putSafetyConfig",
      "rejectRecommendation",
    ].sort(),
  );
});
