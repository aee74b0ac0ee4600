import { expect, navigate, test } from "./fixtures";

test("a viewer sees no approve buttons and the API answers 403 to an approval", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.viewer);
  await navigate(page, "Recommendations");
  await expect(page.getByTestId("recommendations-table")).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(
    page.getByRole("button", { name: /Approve selected/ }),
  ).toHaveCount(0);
  await page.screenshot({
    path: testInfo.outputPath("viewer-recommendations.png"),
    fullPage: true,
  });

  const [pending] = await sql<{ id: string }[]>`
    select r.id::text from recommendations r where r.phase = 'Pending' limit 1`;
  if (!pending) throw new Error("the seed must leave a Pending recommendation");
  const origin = new URL(page.url()).origin;
  const rest = await page.request.post(
    `/api/v1/recommendation/${pending.id}/approve`,
    {
      data: {},
      headers: { "content-type": "application/json", origin },
    },
  );
  expect(rest.status()).toBe(403);
  expect(rest.headers()["content-type"]).toBe("application/problem+json");
  const trpc = await page.request.post("/api/trpc/recommendation.approve", {
    data: { json: { id: pending.id } },
    headers: { "content-type": "application/json", origin },
  });
  expect(trpc.status()).toBe(403);
  const [after] = await sql<
    { phase: string }[]
  >`select phase::text from recommendations where id = ${pending.id}`;
  expect(after?.phase).toBe("Pending");
});

test("the API answers 401 without credentials and 403 to a cross-site mutation", async ({
  page,
  users,
  loginAs,
}) => {
  const anonymous = await page.request.get("/api/v1/recommendations");
  expect(anonymous.status()).toBe(401);
  await loginAs(users.admin);
  const crossSite = await page.request.put("/api/v1/safety/config/shop", {
    data: {
      dryRunEnabled: true,
      requireApproval: true,
      autoApplyEnabled: false,
      autoApplyMinConfidence: 0.9,
    },
    headers: {
      "content-type": "application/json",
      origin: "https://evil.example",
    },
  });
  expect(crossSite.status()).toBe(403);
});
