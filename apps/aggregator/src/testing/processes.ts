import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

const REPO_ROOT = join(import.meta.dirname, "..", "..", "..", "..");

export type Child = {
  process: ChildProcess;
  output: string[];
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
  const collect = (chunk: Buffer) =>
    output.push(
      ...chunk
        .toString("utf8")
        .split("\n")
        .filter((l) => l !== ""),
    );
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => resolve(code)),
  );
  return { process: child, output, exited };
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

export async function stopChild(
  child: Child,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null)
    child.process.kill(signal);
  await child.exited;
}
