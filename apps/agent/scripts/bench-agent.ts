// Agent cost benchmark. (1) CPU ms per scrape of a 250-container cgroup v2 fixture tree, in process.
// (2) Steady RSS of the real agent process (cgroupfs source on that tree, 100 ms interval = 100x the
// default rate) after --minutes of scraping and sending to a loopback sink that acks every batch.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

import { agentV1 } from "@kubewise/proto";

import { createCgroupfsSource } from "../src/adapters/cgroupfs-source";
import { writeCgroupFixtureTree } from "../src/testing/cgroup-fixture-tree";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    scrapes: { type: "string", default: "200" },
    "node-flags": { type: "string", default: "" },
  },
});
const MINUTES = Number(args.minutes);
const SCRAPES = Number(args.scrapes);
const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const PODS = 125;
const CONTAINERS_PER_POD = 2;

function procStat(pid: number): { rssMib: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fields =
    readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return { rssMib: rssKb / 1024, cpuMs: (ticks * 1000) / 100 };
}

async function startSink(): Promise<{
  port: number;
  batches: () => number;
  stop: () => void;
}> {
  let batches = 0;
  const server = new Server();
  const impl: UntypedServiceImplementation = {
    register: (
      _call: unknown,
      cb: (e: null, r: agentV1.RegisterResponse) => void,
    ) =>
      cb(null, {
        collectionIntervalSeconds: 10,
        maxBatchSamples: 5000,
        maxMessageBytes: 4 << 20,
      }),
    syncMetrics: (
      call: ServerDuplexStream<
        agentV1.SyncMetricsRequest,
        agentV1.SyncMetricsResponse
      >,
    ) => {
      call.on("data", (req: agentV1.SyncMetricsRequest) => {
        batches++;
        const b = req.batch;
        if (b)
          call.write({
            response: {
              $case: "ack",
              value: {
                bootId: b.bootId,
                seq: b.seq,
                duplicate: false,
                storedSamples: b.timestampMs.length,
              },
            },
          });
      });
      call.on("end", () => call.end());
    },
    getModelUpdate: () => undefined,
    uploadGradients: () => undefined,
  };
  server.addService(agentV1.AgentServiceService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      ServerCredentials.createInsecure(),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
  return { port, batches: () => batches, stop: () => server.forceShutdown() };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "kw-bench-agent-"));
  const tree = {
    root,
    version: "v2" as const,
    pods: PODS,
    containersPerPod: CONTAINERS_PER_POD,
  };
  writeCgroupFixtureTree({ ...tree, tick: 1 });

  const source = createCgroupfsSource({ root });
  await source.collect(0);
  writeCgroupFixtureTree({ ...tree, tick: 2 });
  const before = process.cpuUsage();
  let samples = 0;
  for (let i = 1; i <= SCRAPES; i++)
    samples += (await source.collect(i * 10_000)).samples.length;
  const used = process.cpuUsage(before);
  const cpuMsPerScrape = (used.user + used.system) / 1000 / SCRAPES;
  console.log(
    `in-process scrape: ${PODS * CONTAINERS_PER_POD} containers x 5 files, ${SCRAPES} scrapes, ${samples / SCRAPES} samples/scrape, ${cpuMsPerScrape.toFixed(2)} ms CPU/scrape`,
  );

  const sink = await startSink();
  // Measure the shipped artifact (the tsup bundle), not the tsx dev loader.
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/tsup/dist/cli-default.js")],
    {
      cwd: join(REPO_ROOT, "apps/agent"),
      stdio: "ignore",
    },
  );
  const agent = spawn(
    process.execPath,
    [
      ...(args["node-flags"] === "" ? [] : args["node-flags"].split(" ")),
      join(REPO_ROOT, "apps/agent/dist/main.js"),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        KUBEWISE_SOURCE: "cgroupfs",
        KUBEWISE_CGROUP_ROOT: root,
        KUBEWISE_AGGREGATOR_TARGET: `127.0.0.1:${sink.port}`,
        KUBEWISE_TOKEN: "bench-token-0123456789",
        KUBEWISE_NODE_NAME: "bench-node",
        KUBEWISE_BUFFER_DIR: join(root, "buffer"),
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: "0.1",
        KUBEWISE_METRICS_PORT: "0",
        KUBEWISE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const pid = agent.pid ?? 0;
  const startMs = Date.now();
  const endMs = startMs + MINUTES * 60_000;
  let tick = 3;
  const rssTail: number[] = [];
  const startStat = procStat(pid);
  while (Date.now() < endMs) {
    await new Promise((r) => setTimeout(r, 1_000));
    writeCgroupFixtureTree({ ...tree, tick: tick++ });
    const { rssMib } = procStat(pid);
    rssTail.push(rssMib);
    if (rssTail.length > 60) rssTail.shift();
    if (tick % 60 === 0)
      console.log(
        `t=${Math.round((Date.now() - startMs) / 1000)} s rss=${rssMib.toFixed(1)} MiB batches acked=${sink.batches()}`,
      );
  }
  const endStat = procStat(pid);
  const scrapes = ((Date.now() - startMs) / 100) | 0;
  const rssMib = rssTail.at(-1) ?? 0;
  console.log(
    `agent process: ${MINUTES} min, ~${scrapes} scrapes, ${sink.batches()} batches acked, whole-process CPU ${((endStat.cpuMs - startStat.cpuMs) / Math.max(1, sink.batches())).toFixed(2)} ms per acked scrape (includes encoding, sending, buffer fsync, GC)`,
  );
  console.log(
    `agent RSS over the last minute: min ${Math.min(...rssTail).toFixed(1)} MiB, max ${Math.max(...rssTail).toFixed(1)} MiB, last ${rssMib.toFixed(1)} MiB (bundled dist/main.js)`,
  );
  agent.kill("SIGTERM");
  await new Promise((r) => agent.once("exit", r));
  sink.stop();
  rmSync(root, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      cpu_ms_per_scrape: Number(cpuMsPerScrape.toFixed(2)),
      rss_mib: Number(rssMib.toFixed(1)),
    }),
  );
}

await main();
