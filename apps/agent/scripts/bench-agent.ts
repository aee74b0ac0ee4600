// Agent cost benchmark on the shipped artifact: tsup dist/main.js with NODE_OPTIONS and MALLOC_ARENA_MAX
// from the Helm chart's agent values and the default configuration (local scoring on, its default runtime).
// Phase 1 (--minutes): cgroupfs source on a 250-container cgroup v2 fixture tree, 100 ms interval
// (100x the default rate), sending to a loopback sink that acks every batch.
//   cpu_ms_per_scrape = the agent's kubewise_agent_collection_cpu_seconds_total / scrapes;
//   rss_mib = VmRSS of the agent process at the end (last-minute min/max printed too).
// The forecaster loads lazily, once a container has >= 6 h of history, which a fixture tree cannot
// produce in minutes; so phase 2 (--model-minutes) runs the same agent on 250 synthetic containers
// replaying 8 h of history in its first minute, with a 10 s scoring interval: rss_mib_model_loaded.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { createCgroupfsSource } from "../src/adapters/cgroupfs-source";
import { writeCgroupFixtureTree } from "../src/testing/cgroup-fixture-tree";
import {
  chartAgentSettings,
  freePort,
  metric,
  mib,
  procStat,
  REPO_ROOT,
  scrapeMetrics,
  startSink,
} from "./bench-agent-lib";

const HELP = `npm run bench:agent -- [options]

Agent cost on the shipped artifact (dist/main.js with the chart's NODE_OPTIONS and MALLOC_ARENA_MAX):
phase 1 scrapes a 250-container cgroup v2 fixture tree at 100 ms; phase 2 replays 8 h of history for
250 synthetic containers with the forecaster loaded. Last stdout line:
{"cpu_ms_per_scrape":…,"rss_mib":…,"rss_mib_model_loaded":…}.

Options:
  --minutes <n>         phase 1 length (default 10)
  --model-minutes <n>   phase 2 length (default 2)
  --scrapes <n>         minimum scrapes in phase 1 (default 200)
  --node-options <s>    override the chart's agent.nodeOptions
  --env K=V             extra agent environment (repeatable)
  -h, --help            this text`;

const { values: args } = parseArgs({
  options: {
    help: { type: "boolean", short: "h", default: false },
    minutes: { type: "string", default: "10" },
    "model-minutes": { type: "string", default: "2" },
    scrapes: { type: "string", default: "200" },
    // Overrides the chart's agent.nodeOptions (to try V8 settings); the default is the shipped value.
    "node-options": { type: "string" },
    // Extra agent environment for both phases, e.g. --env KUBEWISE_SCORER_RUNTIME=onnxruntime.
    env: { type: "string", multiple: true, default: [] },
  },
});
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const SCRAPES = Number(args.scrapes);
const CONTAINERS = 250;
const INTERVAL_MS = 100;

type Phase = {
  name: string;
  minutes: number;
  env: Record<string, string>;
  /** Called every second (e.g. to advance the fixture tree's counters). */
  onSecond?: () => void;
};

type PhaseResult = {
  rssMib: number;
  cpuMsPerScrape: number;
};

async function measureInProcess(root: string): Promise<void> {
  const tree = { root, version: "v2" as const, pods: 125, containersPerPod: 2 };
  writeCgroupFixtureTree({ ...tree, tick: 1 });
  const source = createCgroupfsSource({ root });
  await source.collect(0);
  writeCgroupFixtureTree({ ...tree, tick: 2 });
  const before = process.cpuUsage();
  let samples = 0;
  for (let i = 1; i <= SCRAPES; i++)
    samples += (await source.collect(i * 10_000)).samples.length;
  const used = process.cpuUsage(before);
  console.log(
    `in-process scrape (bench process, tsx): ${SCRAPES} scrapes, ${samples / SCRAPES} samples/scrape, ${((used.user + used.system) / 1000 / SCRAPES).toFixed(2)} ms CPU/scrape`,
  );
}

function extraEnv(): Record<string, string> {
  return Object.fromEntries(
    (args.env ?? []).map((pair) => {
      const eq = pair.indexOf("=");
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

function printMemory(values: Map<string, number>): void {
  const spaces = ["new", "old", "code", "large_object"]
    .map(
      (space) =>
        `${space} ${mib(metric(values, `nodejs_heap_space_size_total_bytes{space="${space}"}`))}`,
    )
    .join(", ");
  console.log(
    `  memory (its /metrics): rss ${mib(metric(values, "process_resident_memory_bytes"))} MiB = V8 heap ${mib(metric(values, "nodejs_heap_size_total_bytes"))} MiB committed (${mib(metric(values, "nodejs_heap_size_used_bytes"))} used; ${spaces}) + external ${mib(metric(values, "nodejs_external_memory_bytes"))} MiB + code, stacks and native rest`,
  );
}

async function runPhase(
  phase: Phase,
  common: { nodeOptions: string; mallocArenaMax: string; bufferDir: string },
): Promise<PhaseResult> {
  const sink = await startSink();
  const metricsPort = await freePort();
  const agent = spawn(
    process.execPath,
    [join(REPO_ROOT, "apps/agent/dist/main.js")],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_OPTIONS: common.nodeOptions,
        MALLOC_ARENA_MAX: common.mallocArenaMax,
        KUBEWISE_AGGREGATOR_TARGET: `127.0.0.1:${sink.port}`,
        KUBEWISE_TOKEN: "bench-token-0123456789",
        KUBEWISE_NODE_NAME: "bench-node",
        KUBEWISE_BUFFER_DIR: common.bufferDir,
        KUBEWISE_METRICS_PORT: String(metricsPort),
        KUBEWISE_LOG_LEVEL: "warn",
        ...phase.env,
        ...extraEnv(),
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const stopAgent = () => agent.kill("SIGTERM");
  process.once("exit", stopAgent);
  const pid = agent.pid ?? 0;
  const startMs = Date.now();
  const startStat = procStat(pid);
  const startMetrics = await scrapeMetrics(metricsPort);
  const rssTail: number[] = [];
  for (
    let second = 1;
    Date.now() < startMs + phase.minutes * 60_000;
    second++
  ) {
    await new Promise((r) => setTimeout(r, 1_000));
    phase.onSecond?.();
    const { rssMib } = procStat(pid);
    rssTail.push(rssMib);
    if (rssTail.length > 60) rssTail.shift();
    if (second % 60 === 0)
      console.log(
        `  t=${Math.round((Date.now() - startMs) / 1000)} s rss=${rssMib.toFixed(1)} MiB batches acked=${sink.batches()} flags=${sink.flags()}`,
      );
  }
  const endStat = procStat(pid);
  const endMetrics = await scrapeMetrics(metricsPort);
  const delta = (name: string) =>
    metric(endMetrics, name) - metric(startMetrics, name);
  const scrapes = delta("collection_duration_seconds_count");
  const cpuMsPerScrape =
    (delta("collection_cpu_seconds_total") * 1000) / scrapes;
  const rssMib = rssTail.at(-1) ?? 0;
  console.log(
    `${phase.name}: ${phase.minutes} min, ${scrapes} scrapes, ${(delta("samples_collected_total") / scrapes).toFixed(1)} samples/scrape, ${sink.batches()} batches acked`,
  );
  console.log(
    `  CPU: ${cpuMsPerScrape.toFixed(2)} ms per scrape (collection: read + parse + deltas); whole process ${((endStat.cpuMs - startStat.cpuMs) / scrapes).toFixed(2)} ms per scrape (adds encoding, disk buffer, gRPC, scoring, GC, /metrics)`,
  );
  console.log(
    `  scoring: ${delta("scoring_passes_total")} passes, ${delta("scoring_containers_total")} container windows, ${delta("scoring_model_rows_total")} model rows, model loaded: ${metric(endMetrics, "scorer_loaded") === 1 ? "yes" : "no"}, ${sink.flags()} flags received`,
  );
  printMemory(endMetrics);
  console.log(
    `  RSS over the last minute: min ${Math.min(...rssTail).toFixed(1)} MiB, max ${Math.max(...rssTail).toFixed(1)} MiB, last ${rssMib.toFixed(1)} MiB`,
  );
  stopAgent();
  await new Promise((r) => agent.once("exit", r));
  process.off("exit", stopAgent);
  sink.stop();
  return { rssMib, cpuMsPerScrape };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "kw-bench-agent-"));
  await measureInProcess(root);
  // Measure the shipped artifact (the tsup bundle), not the tsx dev loader.
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/tsup/dist/cli-default.js")],
    { cwd: join(REPO_ROOT, "apps/agent"), stdio: "ignore" },
  );
  const chart = chartAgentSettings();
  const nodeOptions = args["node-options"] ?? chart.nodeOptions;
  const settings = { nodeOptions, mallocArenaMax: chart.mallocArenaMax };
  console.log(
    `agent: node dist/main.js, NODE_OPTIONS="${nodeOptions}" (${args["node-options"] === undefined ? "charts/kubewise/values.yaml agent.nodeOptions" : "--node-options override"}), MALLOC_ARENA_MAX=${chart.mallocArenaMax} (agent.mallocArenaMax), default scoring config, extra env: ${(args.env ?? []).join(" ") || "none"}`,
  );
  const tree = { root, version: "v2" as const, pods: 125, containersPerPod: 2 };
  let tick = 3;
  const main = await runPhase(
    {
      name: "phase 1, cgroupfs fixture tree",
      minutes: Number(args.minutes),
      env: {
        KUBEWISE_SOURCE: "cgroupfs",
        KUBEWISE_CGROUP_ROOT: root,
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: String(INTERVAL_MS / 1000),
      },
      onSecond: () => writeCgroupFixtureTree({ ...tree, tick: tick++ }),
    },
    { ...settings, bufferDir: join(root, "buffer-1") },
  );
  const model = await runPhase(
    {
      name: "phase 2, synthetic with 8 h of history, forecaster loaded",
      minutes: Number(args["model-minutes"]),
      env: {
        KUBEWISE_SOURCE: "synthetic",
        KUBEWISE_SYNTHETIC_CONTAINERS: String(CONTAINERS),
        KUBEWISE_SAMPLE_STEP_SECONDS: "300",
        // 8 h of simulated history in the first minute, then no new samples.
        KUBEWISE_SIM_BACKFILL_HOURS: "8",
        KUBEWISE_SIM_DURATION_HOURS: "8",
        KUBEWISE_SIM_SPEED: "480",
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: "1",
        KUBEWISE_SCORE_INTERVAL_SECONDS: "10",
      },
    },
    { ...settings, bufferDir: join(root, "buffer-2") },
  );
  rmSync(root, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      cpu_ms_per_scrape: Number(main.cpuMsPerScrape.toFixed(2)),
      rss_mib: Number(main.rssMib.toFixed(1)),
      rss_mib_model_loaded: Number(model.rssMib.toFixed(1)),
    }),
  );
}

await main();
