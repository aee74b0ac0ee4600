import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  makeGenericClientConstructor,
  type ClientDuplexStream,
} from "@grpc/grpc-js";

import { migrate, startDatabase } from "@kubewise/db";
import { agentV1 } from "@kubewise/proto";

/** Nearest-rank percentile of an ascending array (q in 0..1). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil(q * sorted.length) - 1),
  );
  return sorted[rank] ?? NaN;
}

/** The agent service with pre-encoded requests: benchmarks encode batches before the clock starts. */
export const RawAgentClient = makeGenericClientConstructor(
  {
    ...agentV1.AgentServiceService,
    syncMetrics: {
      ...agentV1.AgentServiceService.syncMetrics,
      requestSerialize: (b: Uint8Array) => Buffer.from(b),
    },
  },
  "kubewise.agent.v1.AgentService",
);

export type RawSyncStream = ClientDuplexStream<
  Uint8Array,
  agentV1.SyncMetricsResponse
>;

export const BENCH_TOKEN = "bench-token-0123456789";
const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

/** A migrated embedded PostgreSQL in a fresh temporary folder, removed by `stop`. */
export async function startScratchDatabase(
  prefix: string,
  settings: Record<string, string> = {},
): Promise<{
  url: string;
  dataDir: string;
  stop: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const dataDir = join(dir, "pg");
  const db = await startDatabase({ dataDir, database: "kubewise", settings });
  await migrate({ url: db.url });
  return {
    url: db.url,
    dataDir,
    stop: async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The real aggregator (src/main.ts) on `url`, serving agents with BENCH_TOKEN on 127.0.0.1:port. */
export function spawnAggregator(options: {
  url: string;
  port: number;
  env: Record<string, string>;
  nodeArgs?: string[];
  stdout: "inherit" | "pipe";
}): ChildProcess {
  return spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      "--import",
      "tsx",
      join(REPO_ROOT, "apps/aggregator/src/main.ts"),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: options.url,
        KUBEWISE_GRPC_HOST: "127.0.0.1",
        KUBEWISE_GRPC_PORT: String(options.port),
        KUBEWISE_METRICS_PORT: "0",
        KUBEWISE_AGENT_TOKENS: BENCH_TOKEN,
        ...options.env,
      },
      stdio: ["ignore", options.stdout, "inherit"],
    },
  );
}

/** SIGTERM, resolved when the process has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}
