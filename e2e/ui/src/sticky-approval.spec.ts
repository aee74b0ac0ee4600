import { expect, navigate, recommendationRowIds, test } from "./fixtures";

// Issue 13 item 4: an Approved recommendation proceeds to apply and is never superseded by later
// recommendation passes (the demo used to replace it with a new Pending version every 2 minutes).
test("an approved recommendation is still Approved after two recommendation passes", async ({
  page,
  sql,
  users,
  loginAs,
  recommendationPass,
}, testInfo) => {
  test.setTimeout(120_000);
  await loginAs(users.approver);
  await navigate(page, "Recommendations");
  const [id] = await recommendationRowIds(page);
  if (!id) throw new Error("the seed must leave a Pending recommendation");
  const row = page.getByTestId(`recommendation-row-${id}`);
  await row.getByRole("button", { name: "Approve" }).click();
  await page
    .getByRole("dialog")
    .getByRole("button", { name: "Confirm approve" })
    .click();
  await expect(row).toHaveCount(0);

  // Two passes at the aggregator's demo interval (2 min), on the pinned clock; each resolves when
  // its writes have committed.
  const passes = [await recommendationPass(2), await recommendationPass(4)];
  for (const pass of passes)
    expect(pass.created + pass.unchanged).toBeGreaterThan(0);

  await page.goto(`/recommendations/${id}`);
  await expect(page.getByTestId("detail-phase")).toHaveText("Approved");
  const events = await sql<{ to_phase: string }[]>`
    select to_phase::text from recommendation_events
    where recommendation_id = ${id}`;
  // Created, approved, and nothing since (no Superseded): the pinned clock gives both one instant.
  expect(events.map((e) => e.to_phase).sort()).toEqual(["Approved", "Pending"]);
  await page.screenshot({
    path: testInfo.outputPath("approved-after-two-passes.png"),
    fullPage: true,
  });
});
