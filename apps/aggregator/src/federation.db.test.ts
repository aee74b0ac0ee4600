import { join } from "node:path";

import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";

import { migrate, startDatabase } from "@kubewise/db";

import { createHarness } from "../scripts/faults/harness";
import {
  findFreePort,
  spawnApp,
  spawnScript,
  stopChild,
  waitFor,
  type Child,
} from "./testing/processes";

// Federated training end to end with real processes: embedded PostgreSQL, the aggregator, five
// synthetic agents (each training in its own child process) and one Byzantine agent, over real
// gRPC. One agent is killed as the first round opens; the rounds still close, the Byzantine
// updates are refused or trimmed, and a promoted model reaches the agents, which score with it.
const TOKEN = "federation-token-0123456789";
const BASE_ENV = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/tmp",
};
const AGENTS = [
  "fl-node-1",
  "fl-node-2",
  "fl-node-3",
  "fl-node-4",
  "fl-node-5",
];
const BYZANTINE = "fl-byzantine";
const KILLED = "fl-node-5";
const TIMEOUT_MS = 900_000;

const h = createHarness();
afterAll(() => h.close());

type Round = {
  id: number;
  kind: string;
  purpose: string;
  status: string;
  selected_agents: string[];
  outcome: Record<string, unknown> | null;
  candidate_version: number | null;
};

function startAggregator(
  databaseUrl: string,
  port: number,
  overrides: Record<string, string> = {},
): Child {
  const child = spawnApp("aggregator", BASE_ENV, {
    DATABASE_URL: databaseUrl,
    KUBEWISE_GRPC_HOST: "127.0.0.1",
    KUBEWISE_GRPC_PORT: String(port),
    KUBEWISE_METRICS_PORT: "0",
    KUBEWISE_AGENT_TOKENS: TOKEN,
    KUBEWISE_ROLLUP_INTERVAL_SECONDS: "2",
    KUBEWISE_RECOMMENDER: "vpa",
    KUBEWISE_RECOMMEND_INTERVAL_SECONDS: "3600",
    KUBEWISE_MODEL_UPDATE_SCHEDULE: "* * * * *",
    KUBEWISE_FL_MIN_ROUND_INTERVAL_SECONDS: "0",
    KUBEWISE_FL_TICK_SECONDS: "0.5",
    KUBEWISE_FL_POLL_SECONDS: "1",
    KUBEWISE_FL_ROUND_DEADLINE_SECONDS: "120",
    KUBEWISE_FL_AGENT_FRESH_SECONDS: "30",
    KUBEWISE_FL_CANARY_SECONDS: "2",
    KUBEWISE_FL_WATCH_SECONDS: "86400",
    KUBEWISE_LOG_LEVEL: "info",
    ...overrides,
  });
  h.defer(() => stopChild(child, "SIGKILL"));
  return child;
}

function startAgent(
  target: string,
  name: string,
  seed: number,
  dir: string,
): Child {
  const child = spawnApp("agent", BASE_ENV, {
    KUBEWISE_AGGREGATOR_TARGET: target,
    KUBEWISE_TOKEN: TOKEN,
    KUBEWISE_NODE_NAME: name,
    KUBEWISE_BUFFER_DIR: join(dir, name),
    KUBEWISE_METRICS_PORT: "0",
    KUBEWISE_SOURCE: "synthetic",
    KUBEWISE_SYNTHETIC_SEED: String(seed),
    KUBEWISE_SYNTHETIC_CONTAINERS: "6",
    KUBEWISE_COLLECTION_INTERVAL_SECONDS: "0.2",
    // Six days of 5-minute samples up to now, replayed in seconds (simulated time runs 50,000x
    // faster until it reaches the wall clock), then one per 5 minutes: enough local history to train.
    KUBEWISE_SAMPLE_STEP_SECONDS: "300",
    KUBEWISE_SIM_BACKFILL_HOURS: "144",
    KUBEWISE_SIM_SPEED: "50000",
    KUBEWISE_SCORE_INTERVAL_SECONDS: "2",
    KUBEWISE_FL_POLL_SECONDS: "1",
    KUBEWISE_LOG_LEVEL: "debug",
  });
  h.defer(() => stopChild(child, "SIGKILL"));
  return child;
}

function startByzantine(target: string): Child {
  const script = join(import.meta.dirname, "testing", "byzantine-agent.ts");
  const child = spawnScript(script, [target, TOKEN, BYZANTINE], BASE_ENV);
  h.defer(() => stopChild(child, "SIGKILL"));
  return child;
}

const logLines = (child: Child, message: string) =>
  child.output
    .filter((l) => l.includes(`"msg":"${message}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("federated training across real agent processes", () => {
  it(
    "runs three rounds with a killed agent and a Byzantine one, and the promoted model reaches the agents",
    async () => {
      const dir = await h.tempDir("kw-fed-");
      const database = await startDatabase({
        dataDir: join(dir, "pg"),
        database: "kubewise",
      });
      h.defer(() => database.stop());
      await migrate({ url: database.url });
      const sql = postgres(database.url, { max: 2, onnotice: () => undefined });
      h.defer(() => sql.end({ timeout: 1 }));
      const port = await findFreePort();
      const target = `127.0.0.1:${port}`;
      // A first aggregator opens no round (it needs 100 agents) while the agents replay their
      // history and report it; the round schedule is wall-clock cron, so without this the first
      // round could open at a minute boundary before every agent had enough to train on.
      const warmup = startAggregator(database.url, port, {
        KUBEWISE_FL_MIN_CLIENTS: "100",
      });
      const agents = new Map(
        AGENTS.map((name, i) => [name, startAgent(target, name, 11 + i, dir)]),
      );
      const byzantine = startByzantine(target);
      const agentNamed = (name: string): Child => {
        const agent = agents.get(name);
        if (agent === undefined) throw new Error(`no agent ${name}`);
        return agent;
      };

      await waitFor(
        async () => {
          const ready = await sql<{ agent_id: string }[]>`
            select agent_id from agent_models where trainable_examples >= 8`;
          return ready.length === AGENTS.length + 1;
        },
        TIMEOUT_MS / 3,
        "every agent reporting enough history to train on",
      );
      // The real aggregator takes over the same port; the agents' reports are fresh for 30 s.
      await stopChild(warmup, "SIGTERM");
      const aggregator = startAggregator(database.url, port);

      const rounds = () =>
        sql<
          Round[]
        >`select id, kind, purpose, status, selected_agents, outcome, candidate_version from fl_rounds order by id`;
      // The first training round opens once enough agents report training windows; kill one agent then.
      await waitFor(
        async () => (await rounds()).some((r) => r.kind === "train"),
        TIMEOUT_MS / 3,
        "the first training round",
      );
      const first = (await rounds()).find((r) => r.kind === "train");
      await stopChild(agentNamed(KILLED), "SIGKILL");
      // Every agent, the Byzantine one included, is in the first round (five live updates with it).
      expect([...(first?.selected_agents ?? [])].sort()).toEqual(
        [...AGENTS, BYZANTINE].sort(),
      );

      await waitFor(
        async () =>
          (await rounds()).filter(
            (r) => r.kind === "train" && r.status !== "open",
          ).length >= 3,
        TIMEOUT_MS,
        "three finished training rounds",
      );
      const all = await rounds();
      const training = all.filter((r) => r.kind === "train");
      // On failure the message carries what each round saw and each agent's local training.
      const diagnosis = JSON.stringify({
        rounds: training.map((r) => ({ id: r.id, outcome: r.outcome })),
        training: [...agents].map(([name, agent]) => [
          name,
          logLines(agent, "local training done").map((l) => ({
            time: l.time,
            roundId: l.roundId,
            cpuSeconds: l.cpuSeconds,
          })),
        ]),
      });
      expect(
        training.slice(0, 3).map((r) => r.status),
        diagnosis,
      ).toEqual(["closed", "closed", "closed"]);
      // The killed agent never answered round 1, which closed at its deadline with the others.
      const firstOutcome = training[0]?.outcome as {
        missing: string[];
        accepted: number;
      };
      expect(firstOutcome.missing).toContain(KILLED);
      expect(firstOutcome.accepted).toBeGreaterThanOrEqual(3);

      // Every Byzantine upload was refused (scaled, NaN) or trimmed and weight-capped (sign flip).
      const refusals = await sql<
        { round_id: number; refusal: string | null }[]
      >`
        select round_id, refusal from fl_updates where agent_id = ${BYZANTINE} order by round_id`;
      // The sign flip comes first: round 1 has the four live agents and the Byzantine one, enough
      // for the trimmed mean.
      expect(refusals.map((r) => r.refusal)).toEqual([
        null,
        "norm",
        "non_finite",
      ]);
      const flipped = training.find((r) => r.id === refusals[0]?.round_id)
        ?.outcome as {
        aggregation: {
          rule: string;
          trimmedFraction: Record<string, number>;
          weights: Record<string, number>;
        };
      };
      expect(flipped.aggregation.rule).toBe("trimmed-mean");
      expect(flipped.aggregation.trimmedFraction[BYZANTINE]).toBeGreaterThan(
        0.3,
      );
      expect(flipped.aggregation.weights[BYZANTINE]).toBeLessThan(1_000_000);

      // A candidate passed the gate and the canary, became active and reached the live agents.
      const [active] = await sql<
        { version: number }[]
      >`select version from model_versions where status = 'active'`;
      expect(active?.version).toBeGreaterThan(1);
      const live = AGENTS.filter((a) => a !== KILLED);
      await waitFor(
        async () => {
          const rows = await sql<
            { agent_id: string; model_version: number | null }[]
          >`select agent_id, model_version from agent_models`;
          return live.every((a) =>
            rows.some(
              (r) => r.agent_id === a && r.model_version === active?.version,
            ),
          );
        },
        60_000,
        "every live agent to report the active version",
      );
      for (const name of live) {
        const agent = agentNamed(name);
        const switched = logLines(
          agent,
          "now scoring with the aggregator's model",
        );
        expect(switched.length).toBeGreaterThanOrEqual(1);
        // Scoring passes after the switch ran the model on every container.
        const lastSwitch = agent.output.findLastIndex((l) =>
          l.includes("now scoring with the aggregator's model"),
        );
        await waitFor(
          () =>
            agent.output
              .slice(lastSwitch)
              .some(
                (l) =>
                  l.includes('"msg":"scoring pass"') &&
                  /"modelRows":[1-9]/.test(l),
              ),
          60_000,
          `${name} to score with the new model`,
        );
      }
      const audit = await sql<
        { action: string }[]
      >`select action from audit_log where action like 'model.%' or action like 'federation.%'`;
      for (const action of [
        "model.register",
        "model.candidate",
        "model.canary",
        "model.activate",
        "federation.round.open",
        "federation.round.close",
      ])
        expect(audit.map((a) => a.action)).toContain(action);
      expect(
        byzantine.output.filter((l) => l.includes('"event":"attack"')).length,
      ).toBeGreaterThanOrEqual(3);
      expect(aggregator.process.exitCode).toBeNull();
    },
    TIMEOUT_MS,
  );
});
