import type { Page } from "@playwright/test";

import { expect, navigate, test } from "./fixtures";

async function pendingRowIds(page: Page): Promise<string[]> {
  const table = page.getByTestId("recommendations-table");
  await expect(table).toBeVisible();
  const ids: string[] = [];
  for (const row of await table.locator("tbody tr").all()) {
    const testId = await row.getAttribute("data-testid");
    if (testId) ids.push(testId.replace("recommendation-row-", ""));
  }
  return ids;
}

test("an approver approves one recommendation and rejects another with a reason; both are audited", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.approver);
  await navigate(page, "Recommendations");
  const [approveId, rejectId] = await pendingRowIds(page);
  if (!approveId || !rejectId)
    throw new Error("the seed must leave at least two Pending recommendations");

  await page
    .getByTestId(`recommendation-row-${approveId}`)
    .getByRole("button", { name: "Approve" })
    .click();
  await expect(page.getByTestId(`recommendation-row-${approveId}`)).toHaveCount(
    0,
  );

  const reason = "peak traffic on Fridays needs the current memory limit";
  await page
    .getByTestId(`recommendation-row-${rejectId}`)
    .getByRole("button", { name: "Reject" })
    .click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Reason").fill(reason);
  await dialog.getByRole("button", { name: "Confirm reject" }).click();
  await expect(page.getByTestId(`recommendation-row-${rejectId}`)).toHaveCount(
    0,
  );
  await page.screenshot({
    path: testInfo.outputPath("recommendations-after-decisions.png"),
    fullPage: true,
  });

  const phases = await sql<{ id: string; phase: string }[]>`
    select id::text, phase::text from recommendations where id in (${approveId}, ${rejectId})`;
  expect(new Map(phases.map((row) => [row.id, row.phase]))).toEqual(
    new Map([
      [approveId, "Approved"],
      [rejectId, "Rejected"],
    ]),
  );
  const [approver] = await sql<
    { id: string }[]
  >`select id::text from users where email = ${users.approver.email}`;
  const audit = await sql<
    { subject: string; action: string; actor: string; reason: string | null }[]
  >`
    select subject, action, actor, payload->>'reason' as reason from audit_log
    where subject in (${`recommendation:${approveId}`}, ${`recommendation:${rejectId}`}) and action <> 'recommendation.create'
    order by id`;
  expect(audit).toEqual([
    {
      subject: `recommendation:${approveId}`,
      action: "recommendation.approve",
      actor: approver?.id,
      reason: null,
    },
    {
      subject: `recommendation:${rejectId}`,
      action: "recommendation.reject",
      actor: approver?.id,
      reason,
    },
  ]);

  await page.goto(`/recommendations/${rejectId}`);
  await expect(page.getByTestId("detail-phase")).toHaveText("Rejected");
  await expect(page.getByTestId("audit-trail")).toContainText(
    "recommendation.reject",
  );
  await expect(page.getByTestId("audit-trail")).toContainText(reason);
  await expect(
    page.getByTestId("cpu-usage-chart").locator("svg.recharts-surface").first(),
  ).toBeVisible();
  await expect(page.getByTestId("patch-yaml")).toContainText("resources");
  await page.screenshot({
    path: testInfo.outputPath("recommendation-detail.png"),
    fullPage: true,
  });
});

test("the audit log page verifies the hash chain", async ({
  page,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.admin);
  await navigate(page, "Audit log");
  await expect(page.getByTestId("audit-chain")).toContainText(
    "Hash chain verified",
  );
  await expect(page.getByTestId("audit-table")).toBeVisible();
  await page.screenshot({
    path: testInfo.outputPath("audit.png"),
    fullPage: true,
  });
});
