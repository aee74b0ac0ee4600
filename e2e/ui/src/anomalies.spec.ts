import { expect, navigate, test } from "./fixtures";

type OpenAnomaly = {
  id: string;
  kind: "leak" | "cpu_spike" | "oom_risk";
  namespace: string;
  workload: string;
  container: string;
  timeToLimitSeconds: number | null;
};

const KIND_LABELS = {
  leak: "memory leak",
  cpu_spike: "CPU spike",
  oom_risk: "OOM risk",
} as const;

test("the anomalies page lists the seeded leaks, spikes and OOM risks with time to limit, linked to the workload", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  const open = await sql<OpenAnomaly[]>`
    select a.id::text, a.kind::text, w.namespace, w.name as workload, c.name as container,
      a.time_to_limit_seconds::float8 as "timeToLimitSeconds"
    from anomalies a join containers c on c.id = a.container_id join workloads w on w.id = c.workload_id
    where a.resolved_at is null`;
  expect(new Set(open.map((a) => a.kind))).toEqual(
    new Set(["leak", "cpu_spike", "oom_risk"]),
  );
  const withDeadline = open.filter((a) => a.timeToLimitSeconds !== null);
  expect(withDeadline.length).toBeGreaterThan(0);

  await loginAs(users.admin);
  await navigate(page, "Anomalies");
  await expect(
    page.getByTestId("anomalies-table").locator("tbody tr"),
  ).toHaveCount(open.length);
  for (const anomaly of open) {
    const row = page.getByTestId(`anomaly-row-${anomaly.id}`);
    await expect(row).toContainText(KIND_LABELS[anomaly.kind]);
    await expect(row).toContainText(anomaly.container);
    await expect(row.getByTestId("time-to-limit")).toHaveText(
      anomaly.timeToLimitSeconds === null ? "—" : /^\d+(\.\d)? (min|h|days)$/,
    );
  }
  await page.screenshot({
    path: testInfo.outputPath("anomalies.png"),
    fullPage: true,
  });

  const leak = open.find((a) => a.kind === "leak");
  if (!leak) throw new Error("the seed must open a memory-leak anomaly");
  await page
    .getByTestId(`anomaly-row-${leak.id}`)
    .getByRole("link", {
      name: new RegExp(`${leak.namespace}/.+/${leak.workload}`),
    })
    .click();
  // The link opens the workload's drill-down page, which lists the anomaly with its container.
  await expect(page).toHaveURL(
    /\/clusters\/[0-9a-f-]{36}\/workloads\/[0-9a-f-]{36}$/,
  );
  await expect(page.getByTestId("breadcrumbs")).toContainText(leak.workload);
  await expect(page.getByTestId("drilldown-anomalies")).toContainText(
    leak.container,
  );
});
