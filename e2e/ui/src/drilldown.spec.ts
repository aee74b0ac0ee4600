import { expect, navigate, pinnedNow, test } from "./fixtures";

test("drill-down: cluster -> namespace -> workload -> container, with breadcrumbs, time range and URL state", async ({
  page,
  users,
  loginAs,
}, testInfo) => {
  test.setTimeout(120_000);
  await loginAs(users.admin);
  await navigate(page, "Explore");
  await expect(page.getByTestId("breadcrumbs")).toContainText("Cluster");
  await expect(
    page.getByTestId("cost-over-time").getByRole("application"),
  ).toBeVisible();
  await expect(page.getByTestId("idle-cost")).toBeVisible();
  const namespaces = page.getByTestId("drilldown-children");
  await expect(namespaces).toContainText("shop");
  await page.getByRole("button", { name: "30d" }).click();
  await expect(page).toHaveURL(/window=30d/);
  await page.screenshot({
    path: testInfo.outputPath("cluster.png"),
    fullPage: true,
  });

  await namespaces.getByRole("link", { name: "shop", exact: true }).click();
  await expect(page).toHaveURL(/\/namespaces\/shop/);
  await expect(page.getByTestId("breadcrumbs")).toContainText("shop");
  await expect(page.getByTestId("cpu-usage-vs-request")).toBeVisible();
  await expect(page.getByTestId("efficiency")).toContainText("%");

  await page
    .getByTestId("drilldown-children")
    .getByRole("link", { name: "storefront" })
    .click();
  await expect(page).toHaveURL(/\/workloads\/[0-9a-f-]{36}/);
  await expect(page.getByTestId("breadcrumbs")).toContainText(
    "Deployment/storefront",
  );
  const workloadUrl = page.url();

  await page
    .getByTestId("drilldown-children")
    .getByRole("link", { name: "web" })
    .click();
  await expect(page).toHaveURL(/\/containers\/[0-9a-f-]{36}/);
  await expect(page.getByTestId("breadcrumbs")).toContainText("web");
  await expect(
    page.getByTestId("container-memory-chart").getByRole("application"),
  ).toBeVisible();
  await page.screenshot({
    path: testInfo.outputPath("container.png"),
    fullPage: true,
  });

  // URL-addressable: a reload or a shared link lands on the same page and range.
  await page.goto(`${workloadUrl.split("?")[0] ?? ""}?window=24h`);
  await expect(page.getByTestId("breadcrumbs")).toContainText(
    "Deployment/storefront",
  );
  await expect(page.getByRole("button", { name: "24h" })).toHaveAttribute(
    "aria-pressed",
    "true",
  );

  // A custom range: whole UTC days, ending yesterday (relative to the pinned clock).
  const day = (daysBack: number) =>
    new Date(pinnedNow().getTime() - daysBack * 86_400_000)
      .toISOString()
      .slice(0, 10);
  await page.getByLabel("From").fill(day(4));
  await page.getByLabel("To").fill(day(1));
  await page.getByRole("button", { name: "Custom range" }).click();
  await expect(page).toHaveURL(new RegExp(`from=${day(4)}&to=${day(1)}`));
  await expect(page.getByTestId("window")).toHaveText(
    `${day(4)} 00:00 – ${day(1)} 23:59 UTC`,
  );
  await expect(
    page.getByRole("button", { name: "Custom range" }),
  ).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("range-cost")).toHaveText(/^\$[\d,]+\.\d\d$/);
  await expect(
    page.getByTestId("cost-over-time").getByRole("application"),
  ).toBeVisible();

  // Each level lists its open findings: payments runs the seeded memory leak.
  await page.goto("/clusters/default/namespaces/payments?window=7d");
  await expect(page.getByTestId("drilldown-anomalies")).toContainText("leak");
  await expect(page.getByTestId("drilldown-recommendations")).toBeVisible();
});

test("a viewer's drill-down answers another namespace with a not-found message", async ({
  page,
  users,
  loginAs,
}) => {
  await loginAs(users.viewer);
  await page.goto("/clusters/default/namespaces/payments");
  await expect(page.getByTestId("not-found-state")).toBeVisible();
});

test("allocation by namespace and label, CSV exports match the screen and the API", async ({
  page,
  users,
  loginAs,
}) => {
  await loginAs(users.admin);
  await navigate(page, "Costs");
  await expect(page.getByTestId("allocation-table")).toContainText("__idle__");
  await page.getByLabel("Aggregate by").selectOption("label:team");
  await expect(page.getByTestId("allocation-table")).toContainText(
    "storefront",
  );

  const api = await page.request.get(
    "/api/v1/allocation?window=7d&aggregate=namespace&idle=true",
  );
  expect(api.status()).toBe(200);
  const report = (await api.json()) as {
    totalCostMicroUsd: number;
    lines: { name: string }[];
  };
  expect(report.lines.map((l) => l.name)).toContain("__idle__");
  const csv = await page.request.get(
    "/api/v1/allocation?window=7d&aggregate=namespace&idle=true&format=csv",
  );
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const rows = (await csv.text()).trim().split("\r\n");
  expect(rows[0]).toContain("total_cost_usd");
  expect(rows).toHaveLength(report.lines.length + 1);

  // OpenCost-style parameters: by label without idle; by controller with shared tenants and idle
  // spread over the rest, which moves cost between lines but keeps the total.
  const byTeam = (await (
    await page.request.get(
      "/api/v1/allocation?window=7d&aggregate=label:team&idle=false",
    )
  ).json()) as { lines: { name: string }[] };
  expect(byTeam.lines.map((l) => l.name)).toContain("storefront");
  expect(byTeam.lines.map((l) => l.name)).not.toContain("__idle__");
  const shared = (await (
    await page.request.get(
      "/api/v1/allocation?window=7d&aggregate=controller&idle=true&shareIdle=true&shareNamespaces=platform",
    )
  ).json()) as {
    totalCostMicroUsd: number;
    lines: { name: string; properties: Record<string, string> }[];
  };
  expect(shared.lines.map((l) => l.name)).not.toContain("__idle__");
  expect(shared.lines.some((l) => l.properties.namespace === "platform")).toBe(
    false,
  );
  expect(
    Math.abs(shared.totalCostMicroUsd - report.totalCostMicroUsd),
  ).toBeLessThanOrEqual(2);

  const bad = await page.request.get("/api/v1/allocation?window=fortnight");
  expect(bad.status()).toBe(400);
  expect(
    ((await bad.json()) as { errors: Record<string, string[]> }).errors
      .window?.[0],
  ).toContain("24h");

  const recs = await page.request.get(
    "/api/v1/recommendations?phase=Pending&namespace=shop&format=csv",
  );
  const lines = (await recs.text()).trim().split("\r\n");
  const page1 = await page.request.get(
    "/api/v1/recommendations?phase=Pending&namespace=shop&limit=500",
  );
  expect(lines.length - 1).toBe(
    ((await page1.json()) as { total: number }).total,
  );
});
