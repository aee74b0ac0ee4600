import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import type { Page } from "@playwright/test";

import { expect, navigate, test } from "./fixtures";

const REPO = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const KW = join(REPO, "apps/cli/src/main.ts");
const TSX = join(REPO, "node_modules/tsx/dist/cli.mjs");

type Run = { code: number; stdout: string; stderr: string };

function kw(args: string[], env: Record<string, string>, input?: string): Run {
  const result = spawnSync(process.execPath, [TSX, KW, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: env.HOME ?? "/tmp", ...env },
    input,
    encoding: "utf8",
    timeout: 60_000,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

async function createToken(page: Page, name: string): Promise<string> {
  await navigate(page, "API tokens");
  await page.getByLabel("Token name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  return (
    (await page.getByTestId("new-token").locator("pre").textContent()) ?? ""
  ).trim();
}

test("kw works against the real server: login per context, every command, table/json/yaml, field errors", async ({
  page,
  baseURL,
  sql,
  users,
  loginAs,
}) => {
  test.setTimeout(240_000);
  await loginAs(users.admin);
  const token = await createToken(page, `kw-e2e-${Date.now()}`);
  const home = mkdtempSync(join(tmpdir(), "kw-cli-"));
  const config = join(home, "kw.yaml");
  const env = { HOME: home, KUBEWISE_CONFIG: config };

  const login = kw(
    ["login", "--url", baseURL ?? "", "--context", "e2e"],
    env,
    `${token}\n`,
  );
  expect(login.stderr).toBe("");
  expect(login.stdout).toContain(`as ${users.admin.email} (admin)`);
  expect(statSync(config).mode & 0o777).toBe(0o600);
  expect(readFileSync(config, "utf8")).toContain("current-context: e2e");
  expect(kw(["config", "get-contexts"], env).stdout).toContain("* e2e");

  const table = kw(["recommendations", "list", "--phase", "Pending"], env);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^ID\s+NAMESPACE\s+WORKLOAD/);
  // Human units in tables: cores as 250m / 1, memory as Mi/Gi, money as $.
  expect(table.stdout).toMatch(/\d+(m|)\s+->\s+\d+m?/);
  const rows = table.stdout.trim().split("\n").slice(1);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows)
    expect(row).toMatch(/\s\d+(Ki|Mi|Gi) -> \d+(Ki|Mi|Gi)\s/);

  const json = kw(["rec", "list", "-o", "json", "--limit", "3"], env);
  const page1 = JSON.parse(json.stdout) as {
    items: {
      id: string;
      phase: string;
      current: { memoryRequestBytes: number };
    }[];
    total: number;
  };
  expect(page1.items).toHaveLength(3);
  // Raw numbers in json.
  expect(typeof page1.items[0]?.current.memoryRequestBytes).toBe("number");
  const yaml = kw(["rec", "list", "-o", "yaml", "--limit", "1"], env);
  expect(yaml.stdout).toMatch(/^items:/);

  const pending = await sql<{ id: string }[]>`
    select r.id::text from recommendations r where r.phase = 'Pending'
    order by r.projected_monthly_savings_micro_usd asc limit 2`;
  const [approveId, rejectId] = pending.map((row) => row.id);
  if (!approveId || !rejectId) throw new Error("need two Pending rows");
  expect(kw(["rec", "get", approveId, "-o", "json"], env).stdout).toContain(
    approveId,
  );
  expect(kw(["rec", "dry-run", approveId], env).stdout).toContain("resources");
  expect(kw(["rec", "approve", approveId, "-m", "kw e2e"], env).stdout).toBe(
    `approved ${approveId}\n`,
  );
  expect(
    kw(["rec", "reject", rejectId, "--reason", "kw e2e: too tight"], env)
      .stdout,
  ).toBe(`rejected ${rejectId}\n`);

  const costs = kw(["costs"], env);
  expect(costs.stdout).toMatch(/^NAMESPACE\s+WORKLOADS\s+NOW\/MO/);
  expect(costs.stdout).toMatch(/\$[\d,]+\.\d\d/);
  expect(kw(["savings", "--since", "7d"], env).stdout).toContain(
    "PROJECTED/MO",
  );
  expect(kw(["anomalies", "-o", "yaml"], env).code).toBe(0);

  // Allocation: the REST endpoint's OpenCost-style parameters; the same total as the API.
  const allocation = kw(
    ["allocation", "--window", "7d", "--aggregate", "label:team"],
    env,
  );
  expect(allocation.stderr).toBe("");
  expect(allocation.stdout).toMatch(/^NAME\s+CPU CORE-H\s+RAM GIB-H\s+CPU/);
  expect(allocation.stdout).toMatch(/\nstorefront\s+[\d.]+\s+[\d.]+\s+\$/);
  const allocationJson = JSON.parse(
    kw(["allocation", "--no-idle", "-o", "json"], env).stdout,
  ) as { totalCostMicroUsd: number; lines: { name: string }[] };
  expect(typeof allocationJson.totalCostMicroUsd).toBe("number");
  expect(allocationJson.lines.map((l) => l.name)).not.toContain("__idle__");
  const badWindow = kw(["allocation", "--window", "fortnight"], env);
  expect(badWindow.code).toBe(1);
  expect(badWindow.stderr).toContain("(HTTP 400)");
  expect(badWindow.stderr).toMatch(/window: .*24h, 7d, 30d/);

  // Budgets: create (dollars in, forecast out), list as a table and as json, delete.
  const created = kw(
    [
      "budgets",
      "create",
      "kw-e2e",
      "--namespace",
      "payments",
      "--limit",
      "99.50",
    ],
    env,
  );
  expect(created.stderr).toBe("");
  const budgetId = /created budget ([0-9a-f-]{36})/.exec(created.stdout)?.[1];
  if (!budgetId) throw new Error(`no budget id in: ${created.stdout}`);
  const [stored] = await sql<{ limit: number }[]>`
    select monthly_limit_micro_usd::float8 as limit from budgets where id = ${budgetId}`;
  expect(stored?.limit).toBe(99_500_000);
  const budgetTable = kw(["budgets", "list"], env);
  expect(budgetTable.stdout).toMatch(/^ID\s+NAME\s+SCOPE\s+LIMIT\/MO/);
  expect(budgetTable.stdout).toMatch(/kw-e2e\s+namespace payments\s+\$99\.50/);
  const budgetJson = JSON.parse(
    kw(["budgets", "list", "-o", "json"], env).stdout,
  ) as { id: string; monthlyLimitMicroUsd: number }[];
  expect(budgetJson.find((b) => b.id === budgetId)?.monthlyLimitMicroUsd).toBe(
    99_500_000,
  );
  const badLimit = kw(
    ["budgets", "create", "x", "--namespace", "payments", "--limit", "lots"],
    env,
  );
  expect(badLimit.code).toBe(2);
  expect(badLimit.stderr).toContain("US dollars");
  expect(kw(["budgets", "delete", budgetId], env).stdout).toBe(
    `deleted budget ${budgetId}\n`,
  );
  const again = kw(["budgets", "delete", budgetId], env);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("(HTTP 404)");

  // Errors name the field and what it accepts: from the server (problem+json) ...
  const badSince = kw(["savings", "--since", "30h"], env);
  expect(badSince.code).toBe(1);
  expect(badSince.stderr).toContain("(HTTP 400)");
  expect(badSince.stderr).toContain("since:");
  // ... and from the CLI's own option check.
  const badSort = kw(["rec", "list", "--sort", "savings"], env);
  expect(badSort.code).toBe(2);
  expect(badSort.stderr).toContain("savings_desc");

  // A second context with its own token: login stores it beside the first and makes it current;
  // --context picks either for one command; use-context switches back.
  const second = await createToken(page, `kw-e2e-b-${Date.now()}`);
  const loginB = kw(
    ["login", "--url", baseURL ?? "", "--context", "e2e-b", "--token", second],
    env,
  );
  expect(loginB.stderr).toBe("");
  const saved = readFileSync(config, "utf8");
  expect(saved).toContain("current-context: e2e-b");
  expect(saved).toContain(token);
  expect(saved).toContain(second);
  expect(kw(["config", "get-contexts"], env).stdout).toMatch(
    /^ {2}e2e\t\S+\n\* e2e-b\t/,
  );
  expect(
    kw(["--context", "e2e", "budgets", "list", "-o", "json"], env).code,
  ).toBe(0);
  expect(kw(["config", "use-context", "e2e"], env).stdout).toBe(
    "current context: e2e\n",
  );
  expect(kw(["config", "get-contexts"], env).stdout).toContain("* e2e\t");
  // A revoked or wrong token is refused by the server at login and stores nothing.
  const badLogin = kw(
    [
      "login",
      "--url",
      baseURL ?? "",
      "--context",
      "bad",
      "--token",
      "kw_wrong",
    ],
    env,
  );
  expect(badLogin.code).toBe(1);
  expect(badLogin.stderr).toContain("(HTTP 401)");
  expect(readFileSync(config, "utf8")).not.toContain("bad:");

  // Unknown context names are refused with the known ones.
  const unknown = kw(["--context", "nope", "costs"], env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no context "nope"');
});
