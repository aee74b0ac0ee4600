import { randomUUID } from "node:crypto";

import type { Page } from "@playwright/test";

import { expect, expectOnlyNamespace, navigate, test } from "./fixtures";

/** Starts single sign-on at the local OIDC provider as `loginHint` (the standard login_hint parameter). */
async function startSso(
  page: Page,
  issuer: string,
  loginHint: string,
): Promise<void> {
  await page.route(`${issuer}/authorize?**`, async (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set("login_hint", loginHint);
    await route.continue({ url: url.href });
  });
  await page.goto("/login");
  await page
    .getByRole("button", { name: "Sign in with single sign-on" })
    .click();
}

async function signInWithSso(
  page: Page,
  issuer: string,
  email: string,
): Promise<void> {
  await startSso(page, issuer, email);
  await expect(page.getByTestId("current-user")).toContainText(email);
}

test("a provisioned user signs in through OIDC with the role and namespaces stored for their email", async ({
  page,
  oidc,
}, testInfo) => {
  const { ssoUser } = oidc;
  await signInWithSso(page, oidc.issuer, ssoUser.email);
  await expect(page.getByTestId("current-user")).toContainText(
    `role: ${ssoUser.role}`,
  );
  await navigate(page, "Recommendations");
  await expectOnlyNamespace(page, ssoUser.namespace);
  await expect(
    page.getByRole("button", { name: /^Approve selected/ }),
  ).toBeVisible();
  await page.screenshot({
    path: testInfo.outputPath("oidc-approver.png"),
    fullPage: true,
  });
});

test("an unknown OIDC user is created as a viewer with no namespaces and sees no recommendations", async ({
  page,
  sql,
  oidc,
}) => {
  const email = `newcomer-${randomUUID()}@kubewise.test`;
  await signInWithSso(page, oidc.issuer, email);
  await expect(page.getByTestId("current-user")).toContainText("role: viewer");
  await navigate(page, "Recommendations");
  await page.getByLabel("Phase filter").selectOption("");
  await expect(
    page.getByText("No recommendations match these filters."),
  ).toBeVisible();
  await expect(
    page.getByRole("button", { name: /^Approve selected/ }),
  ).toHaveCount(0);

  const rows = await sql<
    { role: string; scopes: number; passwordHash: string | null }[]
  >`select u.role::text, u.password_hash as "passwordHash",
      (select count(*)::int from user_namespace_scopes s where s.user_id = u.id) as scopes
    from users u where u.email = ${email}`;
  expect(rows).toEqual([{ role: "viewer", scopes: 0, passwordHash: null }]);
  const audit = await sql<{ action: string; via: string }[]>`
    select action, payload->>'via' as via from audit_log where actor = ${`oidc:${email}`}`;
  expect(audit).toEqual([{ action: "user.create", via: "oidc" }]);
});

test("an email the OIDC provider marks unverified is refused and no user is created", async ({
  page,
  sql,
  oidc,
}) => {
  const email = `unverified-${randomUUID()}@kubewise.test`;
  await startSso(page, oidc.issuer, `unverified:${email}`);
  await expect(page.getByTestId("login-error")).toHaveText(
    "Single sign-on refused: the identity provider has not verified this email, or it belongs to a password account.",
  );
  await expect(page.getByTestId("current-user")).toHaveCount(0);
  const users = await sql`select 1 from users where email = ${email}`;
  expect(users).toHaveLength(0);
});

test("single sign-on never takes over a password user with the same email", async ({
  page,
  users,
  oidc,
}) => {
  await startSso(page, oidc.issuer, users.admin.email);
  await expect(page.getByTestId("login-error")).toContainText(
    "Single sign-on refused",
  );
  await expect(page.getByTestId("current-user")).toHaveCount(0);
});
