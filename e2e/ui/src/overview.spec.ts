import { expect, navigate, test } from "./fixtures";
import { formatUsd } from "./money";

test("the overview's phase counts match the recommendations table", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.admin);
  const rows = await sql<{ phase: string; count: number }[]>`
    select phase::text as phase, count(*)::int as count from recommendations group by phase`;
  const counts = new Map(rows.map((row) => [row.phase, row.count]));
  expect([...counts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  for (const phase of [
    "Pending",
    "Approved",
    "Rejected",
    "Applied",
    "Superseded",
  ]) {
    await expect(page.getByTestId(`phase-count-${phase}`)).toHaveText(
      String(counts.get(phase) ?? 0),
    );
  }
  await expect(page.getByTestId("monthly-now")).toHaveText(/^\$[\d,]+\.\d\d$/);
  // The suite runs no controller: the dashboard says approvals wait, and how many.
  await expect(page.getByTestId("cluster-connection")).toContainText(
    "No cluster connected: approvals wait.",
  );
  const approved = counts.get("Approved") ?? 0;
  await expect(page.getByTestId("cluster-connection")).toContainText(
    approved === 0
      ? "Approvals are recorded"
      : `${String(approved)} approved recommendation${approved === 1 ? "" : "s"} will be applied`,
  );
  await expect(page.getByTestId("top-wasteful").getByRole("row")).toHaveCount(
    11,
  );
  await page.screenshot({
    path: testInfo.outputPath("overview.png"),
    fullPage: true,
  });
});

test("the savings report's projected total is the sum over open recommendations in the database", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.admin);
  await navigate(page, "Savings");
  const [row] = await sql<{ total: string }[]>`
    select coalesce(sum(projected_monthly_savings_micro_usd), 0)::text as total
    from recommendations where phase in ('Pending', 'Approved')`;
  await expect(page.getByTestId("projected-savings")).toHaveText(
    formatUsd(Number(row?.total)),
  );
  await page.screenshot({
    path: testInfo.outputPath("savings.png"),
    fullPage: true,
  });
});
