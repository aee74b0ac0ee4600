import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";

const REPO_ROOT = join(import.meta.dirname, "..", "..", "..", "..");

export type Child = {
  process: ChildProcess;
  output: string[];
  /** Emits "line" for each output line, after it is appended to `output`. */
  lines: EventEmitter<{ line: [string] }>;
  exited: Promise<number | null>;
};

export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string")
    throw new Error("no port");
  return address.port;
}

/** Runs an app's src/main.ts with tsx as a real child process (so tests can SIGKILL it). */
export function spawnApp(
  app: "agent" | "aggregator",
  baseEnv: { PATH: string; HOME: string },
  env: Record<string, string>,
): Child {
  return spawnScript(join(REPO_ROOT, "apps", app, "src", "main.ts"), [], {
    ...baseEnv,
    ...env,
  });
}

/** Runs a TypeScript file with tsx as a child process, collecting its output lines. */
export function spawnScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Child {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const lines = new EventEmitter<{ line: [string] }>();
  const collect = (chunk: Buffer) => {
    const added = chunk
      .toString("utf8")
      .split("\n")
      .filter((l) => l !== "");
    output.push(...added);
    for (const line of added) lines.emit("line", line);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => resolve(code)),
  );
  return { process: child, output, lines, exited };
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Resolves once `check` holds. It is checked at once and again whenever one of `on` prints
 * a line (the processes whose work changes what it reads), never on a timer; rejects after
 * `timeoutMs`, or when `check` throws.
 */
export function waitForEvent(
  check: () => Promise<boolean> | boolean,
  options: { on: readonly Child[]; timeoutMs: number; what: string },
): Promise<void> {
  const { on: children, timeoutMs, what } = options;
  return new Promise((resolve, reject) => {
    let done = false;
    let checking = false;
    let again = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const child of children) child.lines.off("line", run);
      if (error === undefined) resolve();
      else
        reject(
          error instanceof Error
            ? error
            : new Error(`checking ${what} failed`, { cause: error }),
        );
    };
    // One check at a time; lines printed meanwhile ask for one more.
    function run(): void {
      if (done) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      again = false;
      Promise.resolve()
        .then(check)
        .then(
          (ok) => {
            checking = false;
            if (ok) finish();
            else if (again) run();
          },
          (error: unknown) => finish(error),
        );
    }
    const timer = setTimeout(
      () =>
        finish(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}`),
        ),
      timeoutMs,
    );
    for (const child of children) child.lines.on("line", run);
    run();
  });
}

export async function stopChild(
  child: Child,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null)
    child.process.kill(signal);
  await child.exited;
}
