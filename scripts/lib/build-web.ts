// The dashboard's production build (`next build` through turbo, so an unchanged tree is restored
// from turbo's cache): used by the demo and by the web image (scripts/images).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

type Log = (message: string) => void;

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tail: string[] = [];
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${command} ${args.join(" ")} failed (exit ${String(code)}):\n${tail.join("\n")}`,
          ),
        );
    });
  });
}

const SKIP = new Set(["node_modules", ".next", ".turbo", "dist"]);

/** Newest mtime of the files under `dir`, skipping build output and dependencies. */
function newestMtimeMs(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs,
    );
  }
  return newest;
}

function headCommit(root: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Whether apps/web/.next already holds the build of this tree (e.g. from the UI suite's
 * `next build` earlier in `npm test`): its build ID is the HEAD commit (next.config.ts) and it is
 * newer than every file of apps/ and packages/ it could bundle, and than package-lock.json.
 */
function isWebBuildCurrent(root: string): boolean {
  const next = path.join(root, "apps/web/.next");
  const buildId = path.join(next, "BUILD_ID");
  if (
    !existsSync(buildId) ||
    !existsSync(path.join(next, "standalone/apps/web/server.js"))
  )
    return false;
  const commit = headCommit(root);
  if (commit === undefined || readFileSync(buildId, "utf8").trim() !== commit)
    return false;
  const inputs = Math.max(
    newestMtimeMs(path.join(root, "apps/web")),
    newestMtimeMs(path.join(root, "packages")),
    statSync(path.join(root, "package-lock.json")).mtimeMs,
  );
  return statSync(buildId).mtimeMs > inputs;
}

// turbo restores the build from its cache when nothing changed, so a second demo start is quick;
// a current apps/web/.next (isWebBuildCurrent) is used as it is.
export async function buildWebIfNeeded(
  root: string,
  env: Record<string, string>,
  log: Log,
): Promise<void> {
  if (isWebBuildCurrent(root)) {
    log(
      "dashboard build is current (apps/web/.next of HEAD, newer than its sources): reusing it",
    );
    return;
  }
  log(
    "building the dashboard (cached after the first run; the first build takes a minute or two)…",
  );
  const started = Date.now();
  await run(
    process.execPath,
    [
      path.join(root, "node_modules/turbo/bin/turbo"),
      "run",
      "build",
      "--filter=@kubewise/web",
      "--output-logs=errors-only",
    ],
    {
      cwd: root,
      env,
    },
  );
  log(`dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
