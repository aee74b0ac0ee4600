import { spawn, type ChildProcess } from "node:child_process";

export type ServiceSpec = {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
};

type Running = {
  spec: ServiceSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
};

const COLORS = [36, 35, 33, 32, 34, 31];

// Starts each service in its own process group so that stopping kills grandchildren too
// (npm/tsx/next each spawn further processes).
export function createSupervisor(options: {
  onUnexpectedExit: (name: string, code: number | null) => void;
}) {
  const running: Running[] = [];
  let stopping = false;

  function prefixLines(name: string, color: number, chunk: Buffer): void {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() !== "")
        process.stdout.write(
          `\x1b[${color}m${name.padEnd(12)}\x1b[0m ${line}\n`,
        );
    }
  }

  function start(spec: ServiceSpec): void {
    const color = COLORS[running.length % COLORS.length] ?? 36;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) =>
      prefixLines(spec.name, color, chunk),
    );
    child.stderr.on("data", (chunk: Buffer) =>
      prefixLines(spec.name, color, chunk),
    );
    const exited = new Promise<number | null>((resolve) => {
      child.on("exit", (code) => {
        if (!stopping) options.onUnexpectedExit(spec.name, code);
        resolve(code);
      });
    });
    running.push({ spec, child, exited });
  }

  function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch (error) {
      // ESRCH: the group is already gone, which is what we want.
      if (!(
        error instanceof Error &&
        "code" in error &&
        error.code === "ESRCH"
      ))
        throw error;
    }
  }

  async function stopAll(graceMs = 8000): Promise<void> {
    stopping = true;
    for (const { child } of [...running].reverse())
      signalGroup(child, "SIGTERM");
    const timeout = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), graceMs).unref(),
    );
    const all = Promise.all(running.map((r) => r.exited));
    await Promise.race([all, timeout]);
    // Leaders may exit before their own children: sweep every group once more.
    for (const { child } of running) signalGroup(child, "SIGKILL");
    await all;
  }

  return { start, stopAll };
}
