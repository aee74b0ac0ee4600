import { test as base, expect } from "@playwright/test";
import type { Page } from "@playwright/test";
import postgres from "postgres";

import type { E2eUser, StackInfo } from "../scripts/stack-info";

type Fixtures = {
  sql: postgres.Sql;
  users: StackInfo["users"];
  oidc: StackInfo["oidc"];
  bootstrapAdmin: E2eUser;
  loginAs: (user: E2eUser) => Promise<void>;
};

function stack(): StackInfo {
  const value = process.env.KW_E2E_STACK;
  if (!value)
    throw new Error(
      "KW_E2E_STACK is not set: run through playwright.config.ts (global setup starts the stack)",
    );
  return JSON.parse(value) as StackInfo;
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
});
/* eslint-enable no-empty-pattern */

export { expect };
