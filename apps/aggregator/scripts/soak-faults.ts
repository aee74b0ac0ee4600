// The pipeline fault scenarios at the reliability note's full bars (the suite runs short versions):
// DB-1 >= 20 SIGKILLs of the aggregator and >= 20 of PostgreSQL with nothing acknowledged lost;
// AG-4 >= 100 seeded agent SIGKILLs, 0 lost records written >= 1 s before the kill;
// AG-6 60 simulated minutes of blackholed link at 250 containers, buffer <= 64 MiB, drain >= 10x.
// Prints one line per scenario and, last, one JSON object; exits 1 when a bar is missed.
import { parseArgs } from "node:util";

import { createHarness, type Harness } from "./faults/harness";
import {
  blackholedLink,
  repeatedAgentKills,
  repeatedKills,
} from "./faults/scenarios";

const HELP = `npm run soak:faults -- [options]

The pipeline fault scenarios at the reliability note's full bars: aggregator and PostgreSQL SIGKILLs
with nothing acknowledged lost, seeded agent SIGKILLs, and a blackholed link at 250 containers.
Prints one line per scenario and, last, one JSON object; exits 1 when a bar is missed.

Options:
  --aggregator-kills <n>      (default 20)
  --postgres-kills <n>        (default 20)
  --agent-kills <n>           (default 100)
  --blackhole-seconds <n>     wall seconds of blackhole (default 60)
  --blackhole-containers <n>  (default 250)
  --blackhole-speed <n>       simulated seconds per wall second (default 60)
  --seed <n>                  (default: from the clock; printed)
  --only <scenario>           run one scenario (aggregator-kill, postgres-kill, agent-kill, blackhole)
  -h, --help                  this text`;

const { values: args } = parseArgs({
  options: {
    help: { type: "boolean", short: "h", default: false },
    "aggregator-kills": { type: "string", default: "20" },
    "postgres-kills": { type: "string", default: "20" },
    "agent-kills": { type: "string", default: "100" },
    "blackhole-seconds": { type: "string", default: "60" },
    "blackhole-containers": { type: "string", default: "250" },
    "blackhole-speed": { type: "string", default: "60" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    only: { type: "string" },
  },
});
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const seed = Number(args.seed);
// Every embedded PostgreSQL (re)start adds an exit hook; 20 crash restarts exceed the default 10.
process.setMaxListeners(100);
const MAX_BUFFER_BYTES = 64 * 2 ** 20;

type Outcome = { scenario: string; ok: boolean; seconds: number } & Record<
  string,
  unknown
>;

async function run(
  scenario: string,
  body: (h: Harness) => Promise<{ ok: boolean } & Record<string, unknown>>,
): Promise<Outcome | undefined> {
  if (args.only !== undefined && args.only !== scenario) return undefined;
  const h = createHarness();
  const start = performance.now();
  try {
    const result = await body(h);
    const outcome = {
      scenario,
      ...result,
      seconds: Math.round((performance.now() - start) / 1000),
    };
    console.log(JSON.stringify(outcome));
    return outcome;
  } catch (error) {
    const outcome = {
      scenario,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
      seconds: Math.round((performance.now() - start) / 1000),
    };
    console.log(JSON.stringify(outcome));
    return outcome;
  } finally {
    await h.close();
  }
}

const lossless = (r: {
  sent: number;
  stored: number;
  planned: number;
  duplicates: number;
  seqGaps: number;
}) =>
  r.sent === r.planned &&
  r.stored === r.planned &&
  r.duplicates === 0 &&
  r.seqGaps === 0;

console.log(`soak:faults seed ${seed}`);
const outcomes = [
  await run("aggregator-kill", async (h) => {
    const r = await repeatedKills(h, "aggregator", {
      faults: Number(args["aggregator-kills"]),
      seed,
      secondsPerFault: 20,
    });
    return { ok: lossless(r), ...r };
  }),
  await run("postgres-kill", async (h) => {
    const r = await repeatedKills(h, "postgres", {
      faults: Number(args["postgres-kills"]),
      seed,
      secondsPerFault: 8,
    });
    return { ok: lossless(r), ...r };
  }),
  await run("blackhole", async (h) => {
    const r = await blackholedLink(h, {
      blackholeSeconds: Number(args["blackhole-seconds"]),
      containers: Number(args["blackhole-containers"]),
      speed: Number(args["blackhole-speed"]),
    });
    const ok =
      lossless(r) &&
      r.bufferBytesAtRecovery <= MAX_BUFFER_BYTES &&
      r.drainSpeedup >= 10;
    return { ok, ...r };
  }),
  await run("agent-kill", async (h) => {
    const r = await repeatedAgentKills(h, {
      trials: Number(args["agent-kills"]),
      seed,
    });
    return { ok: r.lost === 0 && r.duplicates === 0 && r.durable > 0, ...r };
  }),
].filter((o): o is Outcome => o !== undefined);

const ok = outcomes.every((o) => o.ok);
console.log(
  JSON.stringify({
    seed,
    ok,
    scenarios: Object.fromEntries(
      outcomes.map((o) => [o.scenario, { ok: o.ok, seconds: o.seconds }]),
    ),
  }),
);
process.exit(ok ? 0 : 1);
