import { defineConfig, devices } from "@playwright/test";

const isCi = Boolean(process.env.CI);
// scripts/run-suite.ts runs the suite once per pinned instant; each run keeps its own reports.
const runLabel = process.env.KW_E2E_RUN_LABEL ?? "default";

export default defineConfig({
  testDir: "./src",
  testMatch: "**/*.spec.ts",
  outputDir: `./test-results/${runLabel}`,
  globalSetup: "./src/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: isCi,
  retries: isCi ? 1 : 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [
    ["list"],
    [
      "html",
      { open: "never", outputFolder: `./playwright-report/${runLabel}` },
    ],
  ],
  use: {
    trace: "retain-on-failure",
    screenshot: "on",
    // Video needs a Playwright-downloaded ffmpeg; traces and screenshots need nothing extra.
    video: "off",
  },
  projects: [
    {
      name: "ui",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1440, height: 900 },
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
          ],
        },
      },
    },
  ],
});
