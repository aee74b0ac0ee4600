import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
export const WEB_DIR = join(REPO_ROOT, "apps/web");
const SOURCE_DIRS = [
  "apps/web/src",
  "packages/core/src",
  "packages/services/src",
  "packages/db/src",
  "packages/db/drizzle",
];

export function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function newestMtimeMs(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, {
    withFileTypes: true,
    recursive: true,
  })) {
    if (entry.isFile())
      newest = Math.max(
        newest,
        statSync(join(entry.parentPath, entry.name)).mtimeMs,
      );
  }
  return newest;
}

/** `next build` unless .next is newer than every source file the app bundles (KW_E2E_REBUILD=1 forces it). */
export function buildWebIfStale(env: NodeJS.ProcessEnv): void {
  const buildId = join(WEB_DIR, ".next/BUILD_ID");
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const changedAt = Math.max(
    ...SOURCE_DIRS.map((dir) => newestMtimeMs(join(REPO_ROOT, dir))),
  );
  if (builtAt > changedAt && env.KW_E2E_REBUILD !== "1") {
    log("web build is up to date");
    return;
  }
  log("building the web app (next build)…");
  const started = Date.now();
  const result = spawnSync("npm", ["run", "build"], {
    cwd: WEB_DIR,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0)
    throw new Error(
      `next build failed with exit code ${String(result.status)}`,
    );
  log(`web build took ${Date.now() - started} ms`);
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function waitForHttp(
  url: string,
  deadlineMs: number,
): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet: retry until the deadline.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms`);
}
