import { fork } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";

import type {
  WorkerOutcome,
  WorkerReply,
  WorkerRequest,
} from "../../train-worker";

export type TrainerLimits = {
  /** V8 old-space cap of the child (MiB). */
  heapMb: number;
  /** The child is killed after this long (wall clock), whatever it is doing. */
  timeoutMs: number;
  /** Scheduling niceness of the child: the scrape loop keeps the CPU first. */
  niceness: number;
};

/** dist/train-worker.js next to the bundle, or src/train-worker.ts under tsx (tests, npm start). */
function workerPath(): string {
  const here = import.meta.url;
  const name = here.endsWith(".ts")
    ? "../../train-worker.ts"
    : "./train-worker.js";
  return fileURLToPath(new URL(name, here));
}

function childExecArgv(path: string, heapMb: number): string[] {
  // Keep loaders (tsx under `npm start`) but not the parent's heap settings.
  const kept = process.execArgv.filter(
    (a) => !a.startsWith("--max-old-space-size") && !a.startsWith("--inspect"),
  );
  // Source runs without a TypeScript loader in the parent (vitest) still need one in the child.
  const loader =
    path.endsWith(".ts") && !kept.some((a) => a.includes("tsx"))
      ? ["--import", "tsx"]
      : [];
  return [...kept, ...loader, `--max-old-space-size=${heapMb}`];
}

class TrainerError extends Error {}

/** Runs one task in a short-lived child process; rejects on its error, a crash or the timeout. */
export function runInChildProcess(
  request: WorkerRequest,
  limits: TrainerLimits,
): Promise<WorkerOutcome> {
  return new Promise((resolve, reject) => {
    const path = workerPath();
    const child = fork(path, [], {
      execArgv: childExecArgv(path, limits.heapMb),
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(() =>
        reject(new TrainerError(`trainer exceeded ${limits.timeoutMs} ms`)),
      );
    }, limits.timeoutMs);
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, limits.niceness);
      } catch (error) {
        child.kill("SIGKILL");
        finish(() =>
          reject(
            new TrainerError("cannot lower the trainer's priority", {
              cause: error,
            }),
          ),
        );
        return;
      }
    }
    child.once("message", (reply: WorkerReply) =>
      finish(() =>
        reply.ok
          ? resolve(reply.outcome)
          : reject(new TrainerError(reply.error)),
      ),
    );
    child.once("error", (error) => finish(() => reject(error)));
    child.once("exit", (code, signal) =>
      finish(() =>
        reject(
          new TrainerError(
            `trainer exited (${signal ?? `code ${String(code)}`}) before answering`,
          ),
        ),
      ),
    );
    child.send(request);
  });
}
