// Real processes for the fault scenarios: embedded PostgreSQL in a temp dir, the aggregator and
// synthetic agents as tsx child processes, loopback TCP proxies. Used by faults.db.test.ts (short
// runs in the suite) and scripts/soak-faults.ts (the reliability note's full repetitions).
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { chmod, mkdtemp } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import postgres from "postgres";

import { migrate, startDatabase, type RunningDatabase } from "@kubewise/db";

import {
  findFreePort,
  spawnApp,
  stopChild,
  waitFor,
  type Child,
} from "../../src/testing/processes";
import { startTcpProxy, type TcpProxy } from "../../src/testing/tcp-proxy";

const FAULT_TOKEN = "fault-token-0123456789";
const BASE_ENV = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/tmp",
};
/** Process start-up (tsx, onnxruntime) takes seconds, tens of seconds on a loaded 2-core box. */
const STARTUP_TIMEOUT_MS = 120_000;

export type Harness = {
  tempDir: (prefix: string) => Promise<string>;
  /** Runs every cleanup, newest first. */
  close: () => Promise<void>;
  defer: (cleanup: () => Promise<void> | void) => void;
};

export function createHarness(): Harness {
  const cleanups: (() => Promise<void> | void)[] = [];
  return {
    defer: (cleanup) => cleanups.push(cleanup),
    tempDir: async (prefix) => {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      await chmod(dir, 0o755); // the embedded postgres user must reach it when we run as root
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    close: async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

export type FaultDatabase = {
  /** Stable URL through a loopback proxy that follows restarts to the new port. */
  url: string;
  sql: postgres.Sql;
  /** SIGKILL of the postmaster and every backend, then crash recovery on the same data dir. */
  crashAndRestart: () => Promise<void>;
};

export async function startFaultDatabase(h: Harness): Promise<FaultDatabase> {
  const dataDir = join(await h.tempDir("kw-fault-pg-"), "pg");
  let running: RunningDatabase = await startDatabase({
    dataDir,
    database: "kubewise",
  });
  h.defer(() => running.stop());
  await migrate({ url: running.url });
  const proxy: TcpProxy = await startTcpProxy(portOf(running.url));
  h.defer(() => proxy.close());
  const viaProxy = new URL(running.url);
  viaProxy.port = String(proxy.port);
  const sql = postgres(viaProxy.toString(), {
    max: 1,
    onnotice: () => undefined,
  });
  h.defer(() => sql.end({ timeout: 1 }));
  return {
    url: viaProxy.toString(),
    sql,
    crashAndRestart: async () => {
      killProcessTree(postmasterPid(dataDir), "SIGKILL");
      await waitFor(
        () => !isAlive(postmasterPid(dataDir)),
        10_000,
        "postmaster death",
      );
      running = await startDatabase({ dataDir, database: "kubewise" });
      proxy.setTarget(portOf(running.url));
    },
  };
}

const portOf = (url: string) => Number(new URL(url).port);

function postmasterPid(dataDir: string): number {
  try {
    return Number(
      readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0],
    );
  } catch {
    return 0; // no pid file: nothing running
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

function killProcessTree(rootPid: number, signal: NodeJS.Signals): void {
  const children = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return (
          Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) ===
          rootPid
        );
      } catch {
        return false;
      }
    })
    .map(Number);
  process.kill(rootPid, signal);
  for (const pid of children) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone with its parent
    }
  }
}

export async function startAggregator(
  h: Harness,
  databaseUrl: string,
  grpcPort: number,
): Promise<Child> {
  const child = spawnApp("aggregator", BASE_ENV, {
    DATABASE_URL: databaseUrl,
    KUBEWISE_GRPC_HOST: "127.0.0.1",
    KUBEWISE_GRPC_PORT: String(grpcPort),
    KUBEWISE_METRICS_PORT: "0",
    KUBEWISE_AGENT_TOKENS: FAULT_TOKEN,
    KUBEWISE_ROLLUP_INTERVAL_SECONDS: "2",
    KUBEWISE_LOG_LEVEL: "warn",
  });
  h.defer(() => stopChild(child, "SIGKILL"));
  await waitFor(
    async () => {
      if (child.process.exitCode !== null)
        throw new Error(
          `aggregator exited: ${child.output.slice(-5).join("\n")}`,
        );
      return isListening(grpcPort);
    },
    STARTUP_TIMEOUT_MS,
    "the aggregator to listen",
  );
  return child;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export type AgentPlan = {
  containers: number;
  /** Simulated hours of samples; they end "now", so the run takes hours * 3600 / speed seconds. */
  hours: number;
  speed: number;
  namespace?: string;
  nodeName?: string;
};

const STEP_S = 10;

/** Samples a plan produces: one per container per step in (start - step, start + duration]. */
export const plannedSamples = (plan: AgentPlan) =>
  plan.containers * (Math.round((plan.hours * 3600) / STEP_S) + 1);

export function startAgent(
  h: Harness,
  target: string,
  bufferDir: string,
  plan: AgentPlan,
): Child {
  const child = spawnApp("agent", BASE_ENV, {
    KUBEWISE_NAMESPACE: plan.namespace ?? "default",
    KUBEWISE_AGGREGATOR_TARGET: target,
    KUBEWISE_TOKEN: FAULT_TOKEN,
    KUBEWISE_NODE_NAME: plan.nodeName ?? "fault-node",
    KUBEWISE_BUFFER_DIR: bufferDir,
    KUBEWISE_METRICS_PORT: "0",
    KUBEWISE_COLLECTION_INTERVAL_SECONDS: "0.25",
    KUBEWISE_SYNTHETIC_CONTAINERS: String(plan.containers),
    KUBEWISE_SAMPLE_STEP_SECONDS: String(STEP_S),
    KUBEWISE_SIM_SPEED: String(plan.speed),
    KUBEWISE_SIM_BACKFILL_HOURS: String(plan.hours),
    KUBEWISE_SIM_DURATION_HOURS: String(plan.hours),
    KUBEWISE_ACK_TIMEOUT_SECONDS: "3",
    KUBEWISE_FSYNC_INTERVAL_MS: "200",
    KUBEWISE_LOG_LEVEL: "debug",
  });
  h.defer(() => stopChild(child, "SIGKILL"));
  return child;
}

export type BufferedRecord = {
  time: number;
  bootId: string;
  seq: number;
  samples: number;
};

/** The agent's own write log: every batch it put in its disk buffer. */
export function bufferedRecords(agent: Child): BufferedRecord[] {
  return agent.output
    .filter((l) => l.includes('"batch buffered"'))
    .map((l) => JSON.parse(l) as BufferedRecord);
}

export type Accounting = {
  sent: number;
  stored: number;
  duplicates: number;
  seqGaps: number;
};

/** Sent (the agents' write logs) against stored, duplicate samples and per-boot seq gaps. */
export async function account(
  sql: postgres.Sql,
  agents: readonly Child[],
): Promise<Accounting> {
  const [row] = await sql<
    { stored: string; distinct_keys: string; gaps: string | null }[]
  >`
    select (select count(*) from metric_samples) as stored,
      (select count(distinct (container_id, ts)) from metric_samples) as distinct_keys,
      (select sum(max_seq - min_seq + 1 - n) from (
        select max(seq) as max_seq, min(seq) as min_seq, count(*) as n
        from ingest_batches group by agent_id, boot_id) per_boot) as gaps`;
  const stored = Number(row?.stored);
  return {
    sent: agents
      .flatMap(bufferedRecords)
      .reduce((sum, r) => sum + r.samples, 0),
    stored,
    duplicates: stored - Number(row?.distinct_keys),
    seqGaps: Number(row?.gaps ?? 0),
  };
}

export async function waitForStored(
  sql: postgres.Sql,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => (await storedCount(sql).catch(() => 0)) >= expected,
    timeoutMs,
    `${expected} stored samples`,
  );
  // Anything stored twice would show up right after the last expected row.
  await new Promise((r) => setTimeout(r, 500));
}

export async function storedCount(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<
    { n: string }[]
  >`select count(*) as n from metric_samples`;
  return Number(row?.n);
}

/** Bytes of all files under a directory (the agent's disk buffer). */
export function directoryBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => statSync(join(dir, name)))
    .filter((s) => s.isFile())
    .reduce((sum, s) => sum + s.size, 0);
}

export { findFreePort, waitFor, type Child };
