import { randomBytes } from "node:crypto";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import path from "node:path";

import { createDb } from "@kubewise/db";
import { createKubewiseRecommender } from "@kubewise/ml/onnx";
import {
  createSeededRng,
  DEMO_USERS,
  extendDemoHistory,
  seedDemoData,
} from "@kubewise/services/demo";

import type { createSupervisor } from "./supervisor";

export { buildWebIfNeeded } from "./build-web";

type Log = (message: string) => void;
type Supervisor = ReturnType<typeof createSupervisor>;

export type DemoLogin = { email: string; password: string };

/** Seeds the demo cluster (workloads, history, recommendations, users) the first time only. */
export async function seedIfEmpty(
  databaseUrl: string,
  log: Log,
): Promise<DemoLogin> {
  const client = createDb({ url: databaseUrl, max: 4 });
  try {
    const started = Date.now();
    const result = await seedDemoData({
      db: client.db,
      now: new Date(),
      rng: createSeededRng(20261127),
      recommender: await createKubewiseRecommender(),
    });
    if (result.created) {
      log(
        `seeded demo data: ${String(result.workloads)} workloads, ${String(result.containers)} containers, ` +
          `${String(result.rollups)} rollups, ${String(result.recommendations)} recommendations in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } else {
      log("demo data already present (kept from the last run)");
    }
  } finally {
    await client.close();
  }
  const admin =
    DEMO_USERS.find((user) => user.role === "admin") ?? DEMO_USERS[0];
  return { email: admin.email, password: admin.password };
}

const LIVE_INTERVAL_MS = 60_000;

/**
 * Keeps the seeded workloads live (they have no agent): catches their history up to now once
 * (with the allocation of the hours written), then writes their new 5-minute rollups every minute.
 * Returns a stop function.
 */
export async function keepSeededWorkloadsLive(
  databaseUrl: string,
  log: Log,
): Promise<() => Promise<void>> {
  const client = createDb({ url: databaseUrl, max: 2 });
  const rng = createSeededRng(Date.now());
  const caughtUp = await extendDemoHistory({
    db: client.db,
    now: new Date(),
    rng,
    refreshAllocation: true,
  });
  if (caughtUp.from)
    log(
      `seeded workloads caught up from ${caughtUp.from.toISOString()} (${String(caughtUp.rollups)} rollups)`,
    );
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = extendDemoHistory({ db: client.db, now: new Date(), rng }).catch(
      (error: unknown) =>
        log(
          `keeping seeded workloads live failed (retrying in a minute): ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  }, LIVE_INTERVAL_MS);
  return async () => {
    clearInterval(timer);
    await running;
    await client.close();
  };
}

export type PipelineOptions = {
  supervisor: Supervisor;
  root: string;
  env: Record<string, string>;
  stateDir: string;
  agentCount: number;
  traces: string | undefined;
  ports: { grpc: number; aggregatorMetrics: number; agentMetrics: number[] };
};

// One aggregator and N simulated node agents, authenticated with a shared demo token.
export async function startPipeline(options: PipelineOptions): Promise<void> {
  const { supervisor, root, env, ports } = options;
  const token = `demo-${randomBytes(16).toString("hex")}`;
  const tsx = path.join(root, "node_modules/tsx/dist/cli.mjs");
  supervisor.start({
    name: "aggregator",
    command: process.execPath,
    args: [tsx, path.join(root, "apps/aggregator/src/main.ts")],
    env: {
      ...env,
      KUBEWISE_GRPC_HOST: "127.0.0.1",
      KUBEWISE_GRPC_PORT: String(ports.grpc),
      KUBEWISE_METRICS_PORT: String(ports.aggregatorMetrics),
      KUBEWISE_AGENT_TOKENS: token,
      KUBEWISE_CLUSTER_NAME: "demo",
      KUBEWISE_ROLLUP_INTERVAL_SECONDS: "60",
      KUBEWISE_RECOMMEND_INTERVAL_SECONDS: "120",
    },
  });
  await waitForPort(ports.grpc, 120_000);
  for (let index = 0; index < options.agentCount; index += 1) {
    const name = `agent-${String(index + 1)}`;
    supervisor.start({
      name,
      command: process.execPath,
      args: [tsx, path.join(root, "apps/agent/src/main.ts")],
      env: {
        KUBEWISE_AGGREGATOR_TARGET: `127.0.0.1:${String(ports.grpc)}`,
        KUBEWISE_AGENT_ID: `demo-node-${String(index + 1)}`,
        KUBEWISE_NODE_NAME: `demo-node-${String(index + 1)}`,
        KUBEWISE_TOKEN: token,
        KUBEWISE_METRICS_PORT: String(ports.agentMetrics[index] ?? 0),
        KUBEWISE_BUFFER_DIR: path.join(options.stateDir, "buffers", name),
        KUBEWISE_LOG_LEVEL: "warn",
        // Each simulated node runs its own team's workloads; two days of history arrive in about
        // a minute and a half (2000x), then samples follow the wall clock every 10 s.
        KUBEWISE_NAMESPACE: `team-${String(index + 1)}`,
        KUBEWISE_SIM_BACKFILL_HOURS: "48",
        KUBEWISE_SIM_SPEED: "2000",
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: "1",
        ...(options.traces === undefined
          ? {
              KUBEWISE_SOURCE: "synthetic",
              KUBEWISE_SYNTHETIC_SEED: String(index + 1),
              KUBEWISE_SYNTHETIC_CONTAINERS: "20",
            }
          : {
              KUBEWISE_SOURCE: "replay",
              KUBEWISE_REPLAY_PATH: options.traces,
              KUBEWISE_REPLAY_MAX_SERIES: "20",
            }),
      },
    });
  }
}

/** Asks the kernel for `count` distinct free loopback ports (held open together so none repeats). */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<Server>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(
    servers.map((server) => new Promise((resolve) => server.close(resolve))),
  );
  return ports;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(
        `nothing listens on 127.0.0.1:${String(port)} after ${String(timeoutMs / 1000)} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
