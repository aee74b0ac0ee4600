// npx tsx scripts/pass-digest.ts (in apps/aggregator) --containers 120 (--write <file> | --compare <file>)
// The aggregator's recommendation pass end to end (DB reads, anomaly detection, the shipped Kubewise
// recommender, writes) on an embedded PostgreSQL, twice (now and an hour later), over synthetic
// 8-day histories that take the pass's branches (gaps, NaN-free noise, OOM kills, a leak, recent
// CPU spikes, Jobs sized by their burst profile, short histories); prints a digest of every row the
// passes wrote (recommendations, anomalies, events, audit; ids replaced by names). Speed work on the
// pass proves it changed no output bit: --compare exits 1 and names the first differing row.
import { createHash } from "node:crypto";
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { pino } from "pino";

import {
  clusters,
  containers,
  createDb,
  insertRollups,
  migrate,
  startDatabase,
  upsertSafetyConfig,
  workloads,
} from "@kubewise/db";
import { createRng } from "@kubewise/ml";
import { createKubewiseRecommender } from "@kubewise/ml/onnx";
import {
  runRecommendationPass,
  SYSTEM_ACTOR,
  type ServiceContext,
} from "@kubewise/services";

const TEST_NOW = new Date("2026-11-25T12:00:00.000Z");

const HELP = `Usage: npx tsx scripts/pass-digest.ts [--containers N] [--write FILE | --compare FILE]

Runs the recommendation pass (runRecommendationPass with the shipped Kubewise recommender) twice
over N synthetic containers (default 120) on an embedded PostgreSQL and prints a sha256 digest of
everything it wrote. --write FILE stores the rows; --compare FILE exits 1 at the first row that
differs from a stored run.`;

const { values: args } = parseArgs({
  options: {
    containers: { type: "string", default: "120" },
    write: { type: "string" },
    compare: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

const MIB = 2 ** 20;
const GIB = 2 ** 30;
const STEP_MS = 300_000;

/** One 5-minute rollup row (30 samples, no throttling). */
function rollupRow(
  containerId: string,
  bucket: Date,
  u: {
    cpu: number;
    cpuMax: number;
    memory: number;
    memoryMax: number;
    rss: number;
    oomKills: number;
  },
) {
  return {
    bucket,
    containerId,
    sampleCount: 30,
    cpuUsageCoresAvg: u.cpu,
    cpuUsageCoresMax: u.cpuMax,
    cpuThrottledPeriodsSum: 0,
    cpuThrottledSecondsSum: 0,
    memoryWorkingSetBytesAvg: u.memory,
    memoryWorkingSetBytesMax: u.memoryMax,
    memoryRssBytesMax: u.rss,
    oomKillCountSum: u.oomKills,
  };
}

/** Container k's rollups up to `end`: 8 days (short ones 1.5), shaped by k. */
function rollups(containerId: string, k: number, end: Date) {
  const r = createRng(k * 7919 + 17);
  const days = k % 11 === 5 ? 1.5 : 8;
  const n = Math.round((days * 86_400_000) / STEP_MS);
  const base = 0.02 + 1.5 * r() ** 2;
  const memBase = (64 + 3000 * r() ** 2) * MIB;
  const rows = [];
  for (let i = 0; i < n; i++) {
    // Gaps: every 7th container misses a fifth of its rollups and a 6-hour stretch 3 days ago.
    const back = n - i;
    if (k % 7 === 3 && (r() < 0.2 || (back > 864 && back < 936))) continue;
    const bucket = new Date(end.getTime() - back * STEP_MS);
    const day = Math.sin((2 * Math.PI * i) / 288 + k);
    const weekly = bucket.getUTCDay() === 0 || bucket.getUTCDay() === 6;
    let cpu = base * (1 + 0.6 * day) * (weekly ? 0.6 : 1) * (0.8 + 0.4 * r());
    // Recent CPU spikes in the last hour for every 9th container.
    if (k % 9 === 2 && back <= 10) cpu *= 6;
    // Every 13th container leaks over its last 12 hours, towards its 2 GiB limit.
    const leaked =
      k % 13 === 0 ? (0.7 * GIB * Math.max(0, 144 - back)) / 143 : 0;
    const memory = memBase * (0.95 + 0.1 * r()) + leaked;
    rows.push(
      rollupRow(containerId, bucket, {
        cpu,
        cpuMax: cpu * (1.1 + r()),
        memory,
        memoryMax: Math.round(memory * (1 + 0.1 * r())),
        rss: Math.round(memory * 0.9),
        // Every 10th container was OOM-killed 6 hours and 4 days ago.
        oomKills: k % 10 === 4 && (back === 72 || back === 1152) ? 1 : 0,
      }),
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const count = Number(args.containers);
  if (!Number.isInteger(count) || count < 1)
    throw new Error("--containers must be a positive integer");
  const dir = mkdtempSync(join(tmpdir(), "kw-pass-digest-"));
  chmodSync(dir, 0o755);
  const server = await startDatabase({
    dataDir: join(dir, "pg"),
    database: "kubewise",
  });
  const client = createDb({ url: server.url, max: 5 });
  try {
    await migrate({ url: server.url });
    const db = client.db;
    const end = new Date(Math.floor(TEST_NOW.getTime() / STEP_MS) * STEP_MS);
    const [cluster] = await db
      .insert(clusters)
      .values({ name: "digest" })
      .returning();
    if (cluster === undefined) throw new Error("no cluster row");
    await upsertSafetyConfig(db, {
      clusterId: cluster.id,
      namespace: "auto",
      values: {
        dryRunEnabled: false,
        requireApproval: false,
        autoApplyEnabled: true,
        autoApplyMinConfidence: 0.5,
      },
      at: TEST_NOW,
    });
    for (let k = 0; k < count; k++) {
      const [workload] = await db
        .insert(workloads)
        .values({
          clusterId: cluster.id,
          namespace: k % 2 === 0 ? "auto" : "manual",
          kind: k % 8 === 6 ? "Job" : "Deployment",
          name: `w-${String(k).padStart(4, "0")}`,
        })
        .returning();
      if (workload === undefined) throw new Error("no workload row");
      const [container] = await db
        .insert(containers)
        .values({
          workloadId: workload.id,
          name: "app",
          cpuRequestMillicores: 1000,
          cpuLimitMillicores: 2000,
          memoryRequestBytes: 2 * GIB,
          memoryLimitBytes: 2 * GIB,
        })
        .returning();
      if (container === undefined) throw new Error("no container row");
      await insertRollups(db, rollups(container.id, k, end));
    }
    const ctx: ServiceContext = {
      db,
      actor: SYSTEM_ACTOR,
      clock: { now: () => TEST_NOW },
      logger: pino({ level: "silent" }),
      ports: { recommender: await createKubewiseRecommender() },
    };
    const results = [];
    for (const now of [TEST_NOW, new Date(TEST_NOW.getTime() + 3_600_000)])
      results.push(
        await runRecommendationPass({
          ctx,
          input: { clusterId: cluster.id, now, chunkSize: 50 },
        }),
      );
    const rows = [
      ...results.map((r) => `result ${JSON.stringify(r)}`),
      ...(await snapshot(client.sql, cluster.id)),
    ];
    const digest = createHash("sha256").update(rows.join("\n")).digest("hex");
    console.log(
      JSON.stringify({ containers: count, rows: rows.length, digest, results }),
    );
    if (args.write !== undefined) writeFileSync(args.write, rows.join("\n"));
    if (args.compare !== undefined) {
      const before = readFileSync(args.compare, "utf8").split("\n");
      const i = before.findIndex((row, j) => row !== rows[j]);
      if (i >= 0 || before.length !== rows.length) {
        const at = i >= 0 ? i : Math.min(before.length, rows.length);
        console.error(
          `differs at row ${at}:\n- ${before[at] ?? "(none)"}\n+ ${rows[at] ?? "(none)"}`,
        );
        process.exitCode = 1;
      } else console.error(`identical: ${rows.length} rows`);
    }
  } finally {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every row the passes wrote, ids replaced by names, as sorted JSON lines. */
async function snapshot(
  sql: ReturnType<typeof createDb>["sql"],
  clusterId: string,
): Promise<string[]> {
  const names = new Map<string, string>([[clusterId, "cluster"]]);
  for (const r of await sql<{ id: string; name: string }[]>`
    select c.id, w.name from containers c join workloads w on w.id = c.workload_id
    where w.cluster_id = ${clusterId}`)
    names.set(r.id, r.name);
  const recs = await sql<Record<string, unknown>[]>`
    select r.*, w.name as workload from recommendations r
    join containers c on c.id = r.container_id join workloads w on w.id = c.workload_id
    where r.cluster_id = ${clusterId} order by w.name, r.version`;
  for (const r of recs)
    names.set(String(r.id), `${String(r.workload)}/v${String(r.version)}`);
  const found = await sql<Record<string, unknown>[]>`
    select a.*, w.name as workload from anomalies a
    join containers c on c.id = a.container_id join workloads w on w.id = c.workload_id
    where a.cluster_id = ${clusterId} order by w.name, a.kind`;
  for (const a of found)
    names.set(String(a.id), `${String(a.workload)}/${String(a.kind)}`);
  const events = await sql<Record<string, unknown>[]>`
    select e.* from recommendation_events e join recommendations r on r.id = e.recommendation_id
    where r.cluster_id = ${clusterId}`;
  const audit = await sql<Record<string, unknown>[]>`
    select * from audit_log where cluster_id = ${clusterId}`;
  const line = (kind: string, row: Record<string, unknown>, drop: string[]) =>
    `${kind} ${JSON.stringify(
      Object.fromEntries(
        Object.entries(row).filter(([key]) => !drop.includes(key)),
      ),
    ).replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      (id) => names.get(id) ?? id,
    )}`;
  return [
    ...recs.map((r) => line("recommendation", r, ["id"])),
    ...found.map((a) => line("anomaly", a, ["id"])).sort(),
    ...events.map((e) => line("event", e, ["id"])).sort(),
    ...audit
      .map((a) => line("audit", a, ["id", "prev_hash", "hash", "ts"]))
      .sort(),
  ];
}

await main();
