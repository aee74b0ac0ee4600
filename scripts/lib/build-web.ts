// The dashboard's production build (`next build` through turbo, so an unchanged tree is restored
// from turbo's cache): used by the demo and by the web image (scripts/images).
import { spawn } from "node:child_process";
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

// turbo restores the build from its cache when nothing changed, so a second demo start is quick.
export async function buildWebIfNeeded(
  root: string,
  env: Record<string, string>,
  log: Log,
): Promise<void> {
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
