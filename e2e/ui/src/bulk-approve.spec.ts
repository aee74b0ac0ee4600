import { expect, navigate, recommendationRowIds, test } from "./fixtures";

test("an approver bulk-approves three recommendations; phases change and each is audited", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.approver);
  await navigate(page, "Recommendations");
  const ids = await recommendationRowIds(page);
  expect(ids.length).toBeGreaterThanOrEqual(5);
  // The cheapest three Pending rows, so the single-approval test keeps the top ones.
  const picked = ids.slice(-3);
  for (const id of picked)
    await page
      .getByTestId(`recommendation-row-${id}`)
      .getByRole("checkbox")
      .check();
  await page.getByRole("button", { name: "Approve selected (3)" }).click();
  await page
    .getByRole("dialog")
    .getByRole("button", { name: "Confirm approve" })
    .click();
  await expect(page.getByTestId("bulk-result")).toHaveText("Approved 3");
  for (const id of picked)
    await expect(page.getByTestId(`recommendation-row-${id}`)).toHaveCount(0);

  await page.getByLabel("Phase filter").selectOption("Approved");
  for (const id of picked)
    await expect(
      page.getByTestId(`recommendation-row-${id}`).getByTestId("phase"),
    ).toHaveText("Approved");
  await page.screenshot({
    path: testInfo.outputPath("bulk-approved.png"),
    fullPage: true,
  });

  const [approver] = await sql<
    { id: string }[]
  >`select id::text from users where email = ${users.approver.email}`;
  const phases = await sql<{ id: string; phase: string }[]>`
    select id::text, phase::text from recommendations where id in ${sql(picked)}`;
  expect(new Set(phases.map((r) => r.phase))).toEqual(new Set(["Approved"]));
  expect(phases).toHaveLength(3);
  const audit = await sql<{ subject: string; actor: string }[]>`
    select subject, actor from audit_log
    where subject in ${sql(picked.map((id) => `recommendation:${id}`))}
      and action = 'recommendation.approve'`;
  expect(audit.map((a) => a.subject).sort()).toEqual(
    picked.map((id) => `recommendation:${id}`).sort(),
  );
  expect(new Set(audit.map((a) => a.actor))).toEqual(new Set([approver?.id]));
});
