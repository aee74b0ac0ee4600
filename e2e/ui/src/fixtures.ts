import { test as base, expect } from "@playwright/test";
import type { Page } from "@playwright/test";
import { pino } from "pino";
import postgres from "postgres";

import { createDb } from "@kubewise/db";
import {
  runRecommendationPass,
  SYSTEM_ACTOR,
  type RecommendationPassResult,
} from "@kubewise/services";

import type { E2eUser, StackInfo } from "../scripts/stack-info";

type Fixtures = {
  sql: postgres.Sql;
  users: StackInfo["users"];
  oidc: StackInfo["oidc"];
  bootstrapAdmin: E2eUser;
  loginAs: (user: E2eUser) => Promise<void>;
  /**
   * One recommendation pass of the aggregator (its recommend loop's body, runRecommendationPass
   * with the VPA recommender the seed used) over the stack's database, `minutes` after the pinned
   * E2E_NOW; resolves when the pass has committed.
   */
  recommendationPass: (minutes: number) => Promise<RecommendationPassResult>;
};

function stack(): StackInfo {
  const value = process.env.KW_E2E_STACK;
  if (!value)
    throw new Error(
      "KW_E2E_STACK is not set: run through playwright.config.ts (global setup starts the stack)",
    );
  return JSON.parse(value) as StackInfo;
}

/** The instant the seed and the dashboard's clock are pinned to (E2E_NOW, or the stack's start). */
export function pinnedNow(): Date {
  return new Date(stack().now);
}

/** The stack's database (for a test that seeds rows of its own and removes them after). */
export function stackDatabaseUrl(): string {
  return stack().databaseUrl;
}

/** Follows a link of the main navigation (page content may hold links with the same words). */
export async function navigate(page: Page, name: string): Promise<void> {
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name, exact: true })
    .click();
}

/** Ids of the rows the recommendations table shows, top to bottom. */
export async function recommendationRowIds(page: Page): Promise<string[]> {
  const table = page.getByTestId("recommendations-table");
  await expect(table).toBeVisible();
  const ids: string[] = [];
  for (const row of await table.locator("tbody tr").all()) {
    const testId = await row.getAttribute("data-testid");
    if (testId) ids.push(testId.replace("recommendation-row-", ""));
  }
  return ids;
}

/** With every phase shown, the table has rows and all of them are in `namespace`. */
export async function expectOnlyNamespace(
  page: Page,
  namespace: string,
): Promise<void> {
  await page.getByLabel("Phase filter").selectOption("");
  const cells = page
    .getByTestId("recommendations-table")
    .getByTestId("namespace");
  await expect(cells.first()).toBeVisible();
  for (const cell of await cells.all())
    await expect(cell).toHaveText(new RegExp(`^${namespace} · `));
}

async function login(page: Page, user: E2eUser): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("current-user")).toContainText(user.email);
}

// Playwright reads fixture dependencies from the destructuring pattern, so `{}` is required.
/* eslint-disable no-empty-pattern */
export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => {
    await use(stack().baseUrl);
  },
  sql: async ({}, use) => {
    const sql = postgres(stack().databaseUrl, {
      max: 2,
      onnotice: () => undefined,
    });
    await use(sql);
    await sql.end({ timeout: 5 });
  },
  users: async ({}, use) => {
    await use(stack().users);
  },
  oidc: async ({}, use) => {
    await use(stack().oidc);
  },
  bootstrapAdmin: async ({}, use) => {
    await use(stack().bootstrapAdmin);
  },
  loginAs: async ({ page }, use) => {
    await use((user) => login(page, user));
  },
  recommendationPass: async ({}, use) => {
    const { databaseUrl, now } = stack();
    const client = createDb({ url: databaseUrl, max: 2 });
    const [cluster] = await client.sql<{ id: string }[]>`
      select id::text from clusters where name = 'demo'`;
    if (!cluster) throw new Error("the demo seed created no cluster");
    await use(async (minutes) => {
      const at = new Date(Date.parse(now) + minutes * 60_000);
      return runRecommendationPass({
        ctx: {
          db: client.db,
          actor: SYSTEM_ACTOR,
          clock: { now: () => at },
          logger: pino({ level: "silent" }),
          ports: {},
        },
        input: { clusterId: cluster.id, now: at },
      });
    });
    await client.close();
  },
});
/* eslint-enable no-empty-pattern */

export { expect };
