import { randomUUID } from "node:crypto";

import { expect, test } from "./fixtures";

test("the status page is public; the schema version is shown after login", async ({
  page,
  sql,
  users,
  loginAs,
}, testInfo) => {
  await page.goto("/status");
  await expect(page.getByTestId("status-overall")).toHaveText("ok");
  await loginAs(users.admin);
  await page.goto("/status");
  const [row] = await sql<
    { count: string }[]
  >`select count(*)::text as count from drizzle.__drizzle_migrations`;
  await expect(page.getByTestId("status-schema-version")).toContainText(
    `${row?.count ?? "?"} (`,
  );
  await page.screenshot({
    path: testInfo.outputPath("status.png"),
    fullPage: true,
  });
});

test("dashboard pages redirect to the login page without a session", async ({
  page,
}) => {
  await page.goto("/recommendations");
  await expect(page).toHaveURL(/\/login/);
});

test("a wrong password is refused with a message", async ({ page, users }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(users.admin.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("login-error")).toHaveText(
    "Wrong email or password.",
  );
});

test("the admin logs in and sees the overview", async ({
  page,
  users,
  loginAs,
}, testInfo) => {
  await loginAs(users.admin);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toContainText("role: admin");
  await page.screenshot({
    path: testInfo.outputPath("overview.png"),
    fullPage: true,
  });
});

test("session cookies are HttpOnly and SameSite=Lax", async ({
  page,
  users,
  loginAs,
  context,
}) => {
  await loginAs(users.admin);
  const cookies = await context.cookies();
  const session = cookies.find((cookie) =>
    cookie.name.includes("next-auth.session-token"),
  );
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");
  expect(page.url()).not.toContain("login");
});

test("the bootstrap admin from env logs in", async ({
  page,
  bootstrapAdmin,
  loginAs,
}) => {
  await loginAs(bootstrapAdmin);
  await expect(page.getByTestId("current-user")).toContainText("role: admin");
});

test("login is throttled per client and email after 5 failed attempts in 15 minutes", async ({
  page,
}) => {
  const email = `nobody-${randomUUID()}@example.test`;
  await page.goto("/login");
  for (let attempt = 1; attempt <= 6; attempt += 1) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`wrong-${attempt}`);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const expected =
      attempt <= 5
        ? "Wrong email or password."
        : "Too many attempts; wait 15 minutes and try again.";
    await expect(page.getByTestId("login-error")).toHaveText(expected);
  }
});
