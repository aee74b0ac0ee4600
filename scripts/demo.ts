// `npm run demo`: the whole product on one machine. Starts PostgreSQL (embedded unless DATABASE_URL
// is set), migrates, seeds demo content once (and keeps the seeded workloads live up to now), then
// runs the aggregator, simulated agents and the dashboard until Ctrl-C, which stops every process
// it started.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import { DatabaseConfigError, getDefaultDataDir, migrate } from "@kubewise/db";

import { startDemoDatabase, type DemoDatabase } from "./lib/demo-database";
import {
  buildWebIfNeeded,
  findFreePorts,
  keepSeededWorkloadsLive,
  seedIfEmpty,
  startPipeline,
} from "./lib/demo-steps";
import { createSupervisor } from "./lib/supervisor";

const ROOT = path.resolve(import.meta.dirname, "..");

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "3000" },
    agents: { type: "string", default: "3" },
    traces: { type: "string" },
    "data-dir": { type: "string" },
    timescaledb: { type: "boolean", default: false },
    citus: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  console.log(`Usage: npm run demo -- [--port 3000] [--agents 3] [--traces <dir>] [--data-dir <dir>] [--timescaledb | --citus]

  --port       dashboard port (default 3000)
  --agents     simulated node agents (default 3)
  --traces     replay a folder of tidy traces (e.g. ../shared/traces) instead of synthetic workloads
  --data-dir   embedded PostgreSQL data directory (default: per-user, survives restarts)
  --timescaledb   a local TimescaleDB server instead of the embedded one (built by
                  scripts/db/build-extensions.sh; data next to the embedded data directory)
  --citus         a local Citus cluster, a coordinator and two workers (docs/citus.md)
  DATABASE_URL use this PostgreSQL/TimescaleDB instead of the embedded server`);
  process.exit(0);
}

function log(message: string): void {
  console.log(`\x1b[1mdemo\x1b[0m         ${message}`);
}

async function demoSecret(stateDir: string): Promise<string> {
  const file = path.join(stateDir, "nextauth-secret");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const secret = randomBytes(32).toString("base64url");
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

let database: DemoDatabase | undefined;
let stopLive: (() => Promise<void>) | undefined;
let shuttingDown = false;
const supervisor = createSupervisor({
  onUnexpectedExit: (name, code) => {
    log(
      `${name} exited unexpectedly (code ${String(code)}); stopping the demo`,
    );
    void shutdown(1);
  },
});

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  // Nothing to report when start-up failed before the database came up: the error line says it all.
  const quiet = database === undefined;
  if (!quiet) log("stopping…");
  await supervisor.stopAll();
  await stopLive?.();
  await database?.stop();
  if (!quiet) log("stopped");
  process.exit(code);
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const port = Number(args.port);
  const agentCount = Number(args.agents);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new UsageError(`--port must be a TCP port, got "${args.port}"`);
  if (!Number.isInteger(agentCount) || agentCount < 0 || agentCount > 50)
    throw new UsageError(`--agents must be 0..50, got "${args.agents}"`);

  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  if (args.timescaledb && args.citus)
    throw new UsageError("choose one of --timescaledb and --citus");
  database = await startDemoDatabase({
    storage: args.citus
      ? "citus"
      : args.timescaledb
        ? "timescaledb"
        : "embedded",
    url: process.env.DATABASE_URL,
    dataDir: args["data-dir"] ?? getDefaultDataDir(),
    log,
  });
  log(`database (${database.label}) ready`);
  await migrate({ url: database.url, expect: database.kind });
  log("migrations applied");
  const login = await seedIfEmpty(database.url, log);
  stopLive = await keepSeededWorkloadsLive(database.url, log);

  const stateDir = path.join(
    path.dirname(args["data-dir"] ?? getDefaultDataDir()),
    "demo",
  );
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  const env = { DATABASE_URL: database.url, KUBEWISE_DEMO: "1" };
  const webEnv = {
    ...env,
    NEXTAUTH_URL: baseUrl,
    NEXTAUTH_SECRET: await demoSecret(stateDir),
    PORT: String(port),
  };
  await buildWebIfNeeded(ROOT, webEnv, log);

  const [grpc = 0, aggregatorMetrics = 0, ...agentPorts] = await findFreePorts(
    2 + agentCount,
  );
  await startPipeline({
    supervisor,
    root: ROOT,
    env,
    stateDir,
    agentCount,
    traces: args.traces,
    ports: { grpc, aggregatorMetrics, agentMetrics: agentPorts },
  });
  supervisor.start({
    name: "web",
    command: process.execPath,
    // apps/web/server.ts: Next behind a plain HTTP server (client address from the socket).
    args: [
      path.join(ROOT, "node_modules/tsx/dist/cli.mjs"),
      "server.ts",
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
    ],
    cwd: path.join(ROOT, "apps/web"),
    env: webEnv,
  });

  log(`dashboard: ${baseUrl}  (status page: ${baseUrl}/status)`);
  log(`log in as ${login.email} / ${login.password}`);
  log("press Ctrl-C to stop everything");
}

main().catch((error: unknown) => {
  if (error instanceof DatabaseConfigError || error instanceof UsageError) {
    console.error(`demo: ${error.message}`);
  } else {
    console.error(
      "demo: failed to start:",
      error instanceof Error ? error.message : error,
    );
  }
  void shutdown(1);
});
