// Many clusters, one install: a second cluster ("e2e-west", the demo's namespace and workload names
// again) is seeded inside this test only and removed after it. The sidebar's cluster selector
// switches the Overview between "All clusters" and each cluster; the choice is kept in the URL, and
// the all-cluster total is the exact sum of the two clusters' totals. The Recommendations page goes
// back to its first page when the cluster changes.
import { createDb, refreshAllocation } from "@kubewise/db";

import { expect, pinnedNow, stackDatabaseUrl, test } from "./fixtures";
import { formatUsd } from "./money";

const WEST = "e2e-west";
const GIB = 2 ** 30;

test("the cluster selector switches between all clusters and each one; all = demo + west", async ({
  page,
  sql,
  users,
  loginAs,
}) => {
  const now = pinnedNow();
  const client = createDb({ url: stackDatabaseUrl(), max: 2 });
  try {
    const [demo] = await sql<{ namespace: string; name: string }[]>`
      select w.namespace, w.name from workloads w join clusters c on c.id = w.cluster_id
      where c.name = 'demo' order by w.namespace, w.name limit 1`;
    if (!demo) throw new Error("the demo seed has no workload");
    const [west] = await sql<{ id: string }[]>`
      insert into clusters (name) values (${WEST}) returning id::text`;
    if (!west) throw new Error("no cluster inserted");
    // The same namespace and workload name as the demo's first workload: one container at
    // 1 core / 2 GiB requested, using 0.2 core and 3 GiB for the 24 h before now.
    const [workload] = await sql<{ id: string }[]>`
      insert into workloads (cluster_id, namespace, kind, name)
      values (${west.id}, ${demo.namespace}, 'Deployment', ${demo.name}) returning id::text`;
    const [container] = await sql<{ id: string }[]>`
      insert into containers (workload_id, name, cpu_request_millicores, cpu_limit_millicores,
        memory_request_bytes, memory_limit_bytes)
      values (${workload?.id ?? ""}, 'app', 1000, 2000, ${2 * GIB}, ${4 * GIB}) returning id::text`;
    const end = Math.floor(now.getTime() / 300_000) * 300_000;
    await sql`
      insert into metric_rollups_5m (bucket, container_id, sample_count, cpu_usage_cores_avg,
        cpu_usage_cores_max, cpu_throttled_periods_sum, cpu_throttled_seconds_sum,
        memory_working_set_bytes_avg, memory_working_set_bytes_max, memory_rss_bytes_max,
        oom_kill_count_sum)
      select to_timestamp(${end / 1000} - i * 300), ${container?.id ?? ""}::uuid, 30, 0.2, 0.3, 0, 0,
        ${3 * GIB}, ${3 * GIB}, ${3 * GIB}, 0
      from generate_series(1, 288) i`;
    // 30 more containers in west, each with a Pending recommendation (a copy of one of the demo's):
    // "All clusters" then has a second page of Pending recommendations, and west alone too.
    const pagers = await sql<{ id: string }[]>`
      insert into containers (workload_id, name)
      select ${workload?.id ?? ""}::uuid, 'pager-' || i from generate_series(1, 30) i
      returning id::text`;
    await sql`
      with src as (select r.* from recommendations r join clusters c on c.id = r.cluster_id
        where c.name = 'demo' order by r.id limit 1)
      insert into recommendations
      select (jsonb_populate_record(null::recommendations, to_jsonb(src) || jsonb_build_object(
        'id', gen_random_uuid(), 'cluster_id', ${west.id}::uuid, 'container_id', p.id,
        'version', 1, 'phase', 'Pending'))).*
      from src, unnest(${pagers.map((p) => p.id)}::uuid[]) as p(id)`;
    await refreshAllocation(client.db, {
      from: new Date(now.getTime() - 86_400_000),
      to: now,
    });

    await loginAs(users.admin);
    const selector = page.getByTestId("cluster-selector");
    await expect(selector).toBeVisible();
    await expect(selector.getByRole("option")).toHaveText([
      "All clusters",
      "demo",
      WEST,
    ]);
    // The numbers the dashboard must show, from the REST API with the same session.
    const costs = async (query: string) => {
      const response = await page.request.get(`/api/v1/costs${query}`);
      expect(response.status()).toBe(200);
      return (await response.json()) as { monthlyNowMicroUsd: number };
    };
    const all = await costs("");
    const demoCosts = await costs("?cluster=demo");
    const westCosts = await costs(`?cluster=${WEST}`);
    expect(westCosts.monthlyNowMicroUsd).toBeGreaterThan(0);
    expect(all.monthlyNowMicroUsd).toBe(
      demoCosts.monthlyNowMicroUsd + westCosts.monthlyNowMicroUsd,
    );

    const monthlyNow = page.getByTestId("monthly-now");
    await expect(monthlyNow).toHaveText(formatUsd(all.monthlyNowMicroUsd));
    await selector.selectOption(WEST);
    await expect(page).toHaveURL(new RegExp(`[?&]cluster=${WEST}$`));
    await expect(monthlyNow).toHaveText(
      formatUsd(westCosts.monthlyNowMicroUsd),
    );
    await selector.selectOption("demo");
    await expect(page).toHaveURL(/[?&]cluster=demo$/);
    await expect(monthlyNow).toHaveText(
      formatUsd(demoCosts.monthlyNowMicroUsd),
    );
    // A shared link keeps the choice; nav links carry it.
    await page.goto(`/?cluster=${WEST}`);
    await expect(monthlyNow).toHaveText(
      formatUsd(westCosts.monthlyNowMicroUsd),
    );
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Savings", exact: true })
      .click();
    await expect(page).toHaveURL(new RegExp(`/savings\\?cluster=${WEST}$`));
    await selector.selectOption("");
    await expect(page).toHaveURL(/\/savings$/);
    // All clusters: the savings table has a Cluster column.
    await expect(
      page.getByTestId("savings-table").getByRole("columnheader", {
        name: "Cluster",
      }),
    ).toBeVisible();
    await page.goto("/");
    await expect(monthlyNow).toHaveText(formatUsd(all.monthlyNowMicroUsd));

    // Recommendations on the second page of all clusters; switching to west shows west's first page.
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Recommendations", exact: true })
      .click();
    const range = page.getByTestId("page-range");
    await expect(range).toHaveText(/^1–25 of \d+$/);
    await page
      .getByRole("navigation", { name: "Pages" })
      .getByRole("button", { name: "Next" })
      .click();
    await expect(range).toHaveText(/^26–/);
    await selector.selectOption(WEST);
    await expect(page).toHaveURL(
      new RegExp(`/recommendations\\?cluster=${WEST}$`),
    );
    await expect(range).toHaveText("1–25 of 30");
  } finally {
    // Rollups have no foreign key; tenant rows cascade from the cluster. The other tests see one
    // cluster again.
    await sql`
      delete from metric_rollups_5m where container_id in (
        select k.id from containers k join workloads w on w.id = k.workload_id
        join clusters c on c.id = w.cluster_id where c.name = ${WEST})`;
    await sql`delete from clusters where name = ${WEST}`;
    await client.close();
  }
});
