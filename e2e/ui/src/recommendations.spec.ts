import type { Page } from "@playwright/test";

import { expect, navigate, recommendationRowIds, test } from "./fixtures";

/** The shaded forecast area is drawn, labelled in the legend, and starts at the "now" line. */
async function expectForecastBandAfterNow(
  page: Page,
  chartTestId: string,
): Promise<void> {
  const chart = page.getByTestId(chartTestId);
  await expect(chart.locator(".recharts-legend-wrapper")).toContainText(
    "forecast p50–p90 (next 24 h)",
  );
  const area = chart.locator("path.recharts-area-area");
  await expect(area).toHaveCount(1);
  expect(await area.getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+L/);
  const [areaBox, nowBox] = await Promise.all([
    area.boundingBox(),
    chart.locator(".forecast-now line").boundingBox(),
  ]);
  if (!areaBox || !nowBox) throw new Error("band or now line not rendered");
  expect(areaBox.height).toBeGreaterThan(0);
  expect(Math.abs(areaBox.x - nowBox.x)).toBeLessThan(2);
}

test("an approver approves one recommendation and rejects another with a reason; both are audited", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  test.setTimeout(90_000);
  await loginAs(users.approver);
  await navigate(page, "Recommendations");
  const [approveId, rejectId] = await recommendationRowIds(page);
  if (!approveId || !rejectId)
    throw new Error("the seed must leave at least two Pending recommendations");

  const comment = "fits the last two weeks; checked with the owning team";
  await page
    .getByTestId(`recommendation-row-${approveId}`)
    .getByRole("button", { name: "Approve" })
    .click();
  // Nothing happens before the confirmation: cancelling leaves the row Pending.
  await page
    .getByRole("dialog")
    .getByRole("button", { name: "Cancel" })
    .click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(page.getByTestId(`recommendation-row-${approveId}`)).toHaveCount(
    1,
  );
  await page
    .getByTestId(`recommendation-row-${approveId}`)
    .getByRole("button", { name: "Approve" })
    .click();
  await page.getByRole("dialog").getByLabel("Comment").fill(comment);
  await page
    .getByRole("dialog")
    .getByRole("button", { name: "Confirm approve" })
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
      reason: comment,
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
  for (const chart of ["cpu-usage-chart", "memory-usage-chart"])
    await expectForecastBandAfterNow(page, chart);
  await expect(page.getByTestId("forecast-summary")).toContainText(
    "kubewise-forecaster-v1 forecast for the next 24 h",
  );
  await expect(page.getByTestId("patch-yaml")).toContainText("resources");
  await page.screenshot({
    path: testInfo.outputPath("recommendation-detail.png"),
    fullPage: true,
  });

  // The audit log (an admin's page) reads as names, reasons and before/after, never user ids.
  await page.context().clearCookies();
  await loginAs(users.admin);
  await navigate(page, "Audit log");
  for (const [id, action, why] of [
    [approveId, "recommendation.approve", comment],
    [rejectId, "recommendation.reject", reason],
  ] as const) {
    const row = page
      .getByTestId("audit-table")
      .getByRole("row")
      .filter({ hasText: `recommendation:${id}` })
      .filter({ hasText: action });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(`<${users.approver.email}>`);
    await expect(row).not.toContainText(approver?.id ?? "no id");
    await expect(row.getByTestId("audit-detail")).toContainText(`“${why}”`);
    await expect(row.getByTestId("audit-detail")).toContainText(
      /requests .+ → .+/,
    );
    await expect(row.getByTestId("audit-detail")).toContainText(/\d [KMG]iB/);
  }
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
