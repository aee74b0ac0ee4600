import { expect, navigate, test } from "./fixtures";

test("an admin changes a namespace's safety settings and the database has them", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.admin);
  await navigate(page, "Safety");
  const namespace = await page.getByLabel("Namespace").inputValue();
  const form = page.getByRole("form", {
    name: `Safety settings for ${namespace}`,
  });
  const autoApply = form.getByRole("checkbox", { name: "autoApplyEnabled" });
  const wanted = !(await autoApply.isChecked());
  await autoApply.setChecked(wanted);
  await form.getByLabel("autoApplyMinConfidence").fill("0.97");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("safety-saved")).toBeVisible();

  const [row] = await sql<{ auto: boolean; min: number }[]>`
    select auto_apply_enabled as auto, auto_apply_min_confidence as min
    from namespace_safety_configs where namespace = ${namespace}`;
  expect(row).toEqual({ auto: wanted, min: 0.97 });
  const [audit] = await sql<{ count: number }[]>`
    select count(*)::int as count from audit_log where action like 'safety%' and payload::text like ${`%${namespace}%`}`;
  expect(audit?.count).toBeGreaterThan(0);
  await page.screenshot({
    path: testInfo.outputPath("safety.png"),
    fullPage: true,
  });
});
