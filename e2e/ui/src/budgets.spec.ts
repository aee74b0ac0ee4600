import { expect, navigate, test } from "./fixtures";

test("budgets show month to date and the month-end forecast; an admin adds a budget and a Slack channel", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.admin);
  await navigate(page, "Budgets");
  const table = page.getByTestId("budgets-table");
  await expect(table).toContainText("shop");
  await expect(table).toContainText("$");
  await page.getByLabel("Budget name").fill("data team");
  await page.getByLabel("Budget scope").fill("team=data");
  await page.getByLabel("Monthly limit").fill("120");
  await page.getByRole("button", { name: "Add budget" }).click();
  await expect(table).toContainText("team=data");
  await page.getByLabel("Channel name").fill("#finops");
  await page.getByLabel("Channel kind").selectOption("slack");
  await page
    .getByLabel("Channel target")
    .fill("https://hooks.example.test/services/T000/B000/x");
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByTestId("channels")).toContainText("#finops");
  const [row] = await sql<{ monthly: string }[]>`
    select monthly_limit_micro_usd::text as monthly from budgets where name = 'data team'`;
  expect(row?.monthly).toBe("120000000");
  await page.screenshot({
    path: testInfo.outputPath("budgets.png"),
    fullPage: true,
  });
});
