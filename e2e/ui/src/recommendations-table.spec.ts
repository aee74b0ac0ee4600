import type { Page } from "@playwright/test";
import type postgres from "postgres";

import { expect, navigate, test } from "./fixtures";

test("the recommendations table pages 25 rows at a time, fits 1440 px and shows memory in binary units", async ({
  page,
  sql,
  users,
  loginAs,
}) => {
  await loginAs(users.admin);
  // The seed has fewer than two pages (one row per container): ten sidecar containers beside
  // seeded ones, each with a Rejected copy of that container's recommendation, make a second page
  // for the "all" filter; deleted again at the end (the suite runs one test at a time).
  const sidecars = await sql<{ id: string }[]>`
    with src as (
      select r.id as rid, c.workload_id, c.name from recommendations r
      join containers c on c.id = r.container_id order by r.id limit 10)
    insert into containers (workload_id, name)
    select workload_id, name || '-pager-' || left(rid::text, 8) from src
    returning id::text`;
  expect(sidecars).toHaveLength(10);
  try {
    await sql`
      with src as (
        select r.*, n.id as sidecar from recommendations r
        join containers c on c.id = r.container_id
        join containers n on n.workload_id = c.workload_id
          and n.name = c.name || '-pager-' || left(r.id::text, 8))
      insert into recommendations
      select (jsonb_populate_record(null::recommendations, to_jsonb(src) - 'sidecar' || jsonb_build_object(
        'id', gen_random_uuid(), 'container_id', src.sidecar, 'phase', 'Rejected'))).*
      from src`;
    await pagesOfAll(page, sql);
  } finally {
    // Their recommendations go with them (on delete cascade).
    await sql`delete from containers where id = any(${sidecars.map((c) => c.id)}::uuid[])`;
  }
});

async function pagesOfAll(page: Page, sql: postgres.Sql): Promise<void> {
  const [{ total } = { total: 0 }] = await sql<{ total: number }[]>`
    select count(*)::int as total from recommendations where phase <> 'Superseded'`;
  expect(total).toBeGreaterThan(25);
  await navigate(page, "Recommendations");
  // "all" lists every phase but Superseded (replaced versions).
  await page.getByLabel("Phase filter").selectOption("");
  const rows = page
    .getByTestId("recommendations-table")
    .locator("tbody tr[data-testid^='recommendation-row-']");
  await expect(page.getByTestId("page-range")).toHaveText(`1–25 of ${total}`);
  await expect(rows).toHaveCount(25);

  // At the suite's 1440 px viewport the table ends inside its box and the window: no sideways scroll.
  expect(page.viewportSize()?.width).toBe(1440);
  const table = page.getByTestId("recommendations-table");
  const [tableBox, scrollerBox] = await Promise.all([
    table.boundingBox(),
    page.locator(".table-scroll", { has: table }).boundingBox(),
  ]);
  if (!tableBox || !scrollerBox) throw new Error("the table is not laid out");
  expect(tableBox.x + tableBox.width).toBeLessThanOrEqual(
    scrollerBox.x + scrollerBox.width + 0.5,
  );
  expect(scrollerBox.x + scrollerBox.width).toBeLessThanOrEqual(1440);

  // Memory request cells (5th column for an approver) read like 512 MiB → 1 GiB, never raw bytes.
  const memory = await rows.locator("td:nth-child(5)").allTextContents();
  expect(memory).toHaveLength(25);
  expect(memory.some((m) => /\d(\.\d+)? (KiB|MiB|GiB|TiB)/.test(m))).toBe(true);
  expect(memory.filter((m) => /\d{7,}/.test(m))).toEqual([]);

  const pages = page.getByRole("navigation", { name: "Pages" });
  await pages.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("page-range")).toHaveText(
    `26–${String(Math.min(50, total))} of ${total}`,
  );
  await expect(rows).toHaveCount(Math.min(25, total - 25));
  await pages.getByRole("button", { name: "Previous" }).click();
  await expect(page.getByTestId("page-range")).toHaveText(`1–25 of ${total}`);
}
