import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import type { StackInfo } from "../scripts/stack-info";

const STACK_SCRIPT = fileURLToPath(
  new URL("../scripts/start-stack.ts", import.meta.url),
);
// Generous: a cold `next build` on a busy 2-core machine has taken over 5 minutes.
const STARTUP_DEADLINE_MS = 15 * 60_000;

/** Starts PostgreSQL + the built web app in a child process (tsx) and stops both afterwards. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  // A stack started by hand (KW_E2E_STACK set) is reused and left running.
  if (process.env.KW_E2E_STACK) return () => Promise.resolve();
  const child = spawn("npx", ["tsx", STACK_SCRIPT], {
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
    env: { ...process.env, KW_E2E_PARENT_PID: String(process.pid) },
  });
  const info = await new Promise<StackInfo>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("e2e stack did not start in time")),
      STARTUP_DEADLINE_MS,
    );
    child.once("exit", (code) =>
      reject(new Error(`e2e stack exited early with code ${String(code)}`)),
    );
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (!line.startsWith("KW_STACK ")) {
        process.stdout.write(`[stack] ${line}\n`);
        return;
      }
      clearTimeout(timer);
      resolve(JSON.parse(line.slice("KW_STACK ".length)) as StackInfo);
    });
  });
  // Workers inherit the environment of the runner, which is how tests learn about the stack.
  process.env.KW_E2E_STACK = JSON.stringify(info);

  return async () => {
    const exited = new Promise<void>((resolve) =>
      child.once("exit", () => resolve()),
    );
    if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
    await exited;
  };
}
