// The pipeline fault scenarios with their repetition counts as parameters: the suite runs them
// briefly (faults.db.test.ts), `npm run soak:faults` at the reliability note's bars (DB-1, AG-4, AG-6).
import { createRng } from "@kubewise/ml";

import { startTcpProxy } from "../../src/testing/tcp-proxy";
import {
  account,
  bufferedRecords,
  directoryBytes,
  findFreePort,
  plannedSamples,
  startAgent,
  startAggregator,
  startFaultDatabase,
  storedCount,
  waitFor,
  waitForStored,
  type Accounting,
  type AgentPlan,
  type Child,
  type Harness,
} from "./harness";

const SPEED = 1200;
const CONTAINERS = 10;
const DRAIN_TIMEOUT_MS = 180_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stream of `wallSeconds` at SPEED, ending "now" (so no sample is in the future). */
const planFor = (wallSeconds: number): AgentPlan => ({
  containers: CONTAINERS,
  hours: (wallSeconds * SPEED) / 3600,
  speed: SPEED,
});

/** Waits until at least one more sample is stored than `since` (ignores a database that is down). */
async function waitForProgress(
  h: { count: () => Promise<number> },
  since: number,
) {
  await waitFor(
    async () => (await h.count().catch(() => since)) > since,
    DRAIN_TIMEOUT_MS,
    "ingest to make progress",
  );
}

export type RepeatedFaultResult = Accounting & {
  planned: number;
  faults: number;
  /** Faults injected while the agent still had samples to deliver. */
  midStreamFaults: number;
  /** Times the aggregator exited by itself (and was restarted, as Kubernetes would). */
  aggregatorExits: number;
};

type FaultKind = "aggregator" | "postgres";

/** kill -9 of the aggregator, or of PostgreSQL, `faults` times while one agent streams. */
export async function repeatedKills(
  h: Harness,
  kind: FaultKind,
  options: { faults: number; seed: number; secondsPerFault: number },
): Promise<RepeatedFaultResult> {
  const random = createRng(options.seed);
  const db = await startFaultDatabase(h);
  const port = await findFreePort();
  let aggregator = await startAggregator(h, db.url, port);
  const plan = planFor(options.faults * options.secondsPerFault + 10);
  const planned = plannedSamples(plan);
  const agent = startAgent(
    h,
    `127.0.0.1:${port}`,
    await h.tempDir("kw-fault-agent-"),
    plan,
  );
  const count = () => storedCount(db.sql);
  // Like the Deployment's restart policy: an aggregator that exits by itself is started again, and
  // counted (the crash guard exits on unexpected errors on purpose).
  let aggregatorExits = 0;
  let stopping = false;
  const supervise = (child: Child) =>
    void child.exited.then(async () => {
      if (stopping || child.process.signalCode === "SIGKILL") return;
      aggregatorExits++;
      aggregator = await startAggregator(h, db.url, port);
      supervise(aggregator);
    });
  supervise(aggregator);
  h.defer(() => {
    stopping = true;
  });
  let midStreamFaults = 0;
  let last = 0;
  for (let i = 0; i < options.faults; i++) {
    await waitForProgress({ count }, last).catch((error: unknown) => {
      const tail = [...aggregator.output.slice(-8), ...agent.output.slice(-8)];
      throw new Error(
        `after ${i} ${kind} kills: ${String(error)}\n${tail.join("\n")}`,
      );
    });
    await sleep(random() * 500);
    if ((await count().catch(() => planned)) < planned) midStreamFaults++;
    if (kind === "postgres") await db.crashAndRestart();
    else {
      aggregator.process.kill("SIGKILL");
      await aggregator.exited;
      aggregator = await startAggregator(h, db.url, port);
      supervise(aggregator);
    }
    last = await count().catch(() => last);
  }
  await waitForStored(db.sql, planned, DRAIN_TIMEOUT_MS);
  stopping = true;
  return {
    ...(await account(db.sql, [agent])),
    planned,
    faults: options.faults,
    midStreamFaults,
    aggregatorExits,
  };
}

export type BlackholeResult = Accounting & {
  planned: number;
  blackholeSimulatedMinutes: number;
  bufferBytesAtRecovery: number;
  /** Simulated backlog time divided by the wall time it took to store it after recovery. */
  drainSpeedup: number;
};

/** Blackholes the agent->aggregator link (a loopback proxy) while the agent keeps collecting. */
export async function blackholedLink(
  h: Harness,
  options: { blackholeSeconds: number; containers: number; speed: number },
): Promise<BlackholeResult> {
  const db = await startFaultDatabase(h);
  const port = await findFreePort();
  await startAggregator(h, db.url, port);
  const link = await startTcpProxy(port);
  h.defer(() => link.close());
  const wallSeconds = options.blackholeSeconds + 10;
  const plan: AgentPlan = {
    containers: options.containers,
    speed: options.speed,
    hours: (wallSeconds * options.speed) / 3600,
  };
  const planned = plannedSamples(plan);
  const bufferDir = await h.tempDir("kw-fault-bh-");
  const agent = startAgent(h, `127.0.0.1:${link.port}`, bufferDir, plan);
  await waitForProgress({ count: () => storedCount(db.sql) }, 0);
  link.setBlackhole(true);
  await sleep(options.blackholeSeconds * 1000);
  const backlog = bufferedRecords(agent).reduce((sum, r) => sum + r.samples, 0);
  const bufferBytesAtRecovery = directoryBytes(bufferDir);
  link.setBlackhole(false);
  const recoveredAt = Date.now();
  await waitForStored(db.sql, backlog, DRAIN_TIMEOUT_MS);
  const drainSeconds = (Date.now() - recoveredAt) / 1000;
  await waitForStored(db.sql, planned, DRAIN_TIMEOUT_MS);
  return {
    ...(await account(db.sql, [agent])),
    planned,
    blackholeSimulatedMinutes: (options.blackholeSeconds * options.speed) / 60,
    bufferBytesAtRecovery,
    drainSpeedup: (options.blackholeSeconds * options.speed) / drainSeconds,
  };
}

export type AgentKillResult = {
  trials: number;
  /** Records the killed agents wrote at least 1 s before their kill. */
  durable: number;
  lost: number;
  duplicates: number;
};

/**
 * kill -9 of the agent `trials` times while it buffers (no aggregator yet), at seeded random
 * moments; then the aggregator starts and a fresh agent on the same buffer delivers the backlog.
 */
export async function repeatedAgentKills(
  h: Harness,
  options: { trials: number; seed: number },
): Promise<AgentKillResult> {
  const random = createRng(options.seed);
  const db = await startFaultDatabase(h);
  const port = await findFreePort();
  const bufferDir = await h.tempDir("kw-fault-agentkill-");
  // The synthetic source replays its window after each restart: one namespace per boot keeps the
  // boots' samples apart, so any duplicate is a re-delivered record.
  const plan = (i: number): AgentPlan => ({
    ...planFor(3600),
    namespace: `boot-${i}`,
  });
  const durable: { bootId: string; seq: number }[] = [];
  for (let i = 0; i < options.trials; i++) {
    const agent = startAgent(h, `127.0.0.1:${port}`, bufferDir, plan(i));
    await waitFor(
      () => bufferedRecords(agent).length >= 2,
      120_000,
      "buffered batches",
    );
    await sleep(1_000 + random() * 1_500);
    const killedAt = Date.now();
    agent.process.kill("SIGKILL");
    await agent.exited;
    durable.push(
      ...bufferedRecords(agent).filter((r) => r.time <= killedAt - 1_000),
    );
  }
  await startAggregator(h, db.url, port);
  startAgent(h, `127.0.0.1:${port}`, bufferDir, plan(options.trials));
  const bootIds = [...new Set(durable.map((r) => r.bootId))];
  const storedKeys = async () =>
    new Set(
      (
        await db.sql<{ key: string }[]>`
          select boot_id || '/' || seq as key from ingest_batches where boot_id = any(${bootIds})`
      ).map((r) => r.key),
    );
  const missing = async () => {
    const keys = await storedKeys();
    return durable.filter((r) => !keys.has(`${r.bootId}/${r.seq}`)).length;
  };
  await waitFor(
    async () => (await missing()) === 0,
    DRAIN_TIMEOUT_MS,
    "the killed boots' batches",
  ).catch(
    () => undefined, // reported as lost below
  );
  const accounting = await account(db.sql, []);
  return {
    trials: options.trials,
    durable: durable.length,
    lost: await missing(),
    duplicates: accounting.duplicates,
  };
}
