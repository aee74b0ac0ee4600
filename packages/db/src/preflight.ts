// What kind of database the configuration promises, checked before the first migration runs
// (a refused database gets no half-migrated schema) and when the aggregator starts.
import postgres from "postgres";

import { DatabaseConfigError } from "./errors";
import { describeTarget, parseDatabaseUrl } from "./url";

export const DATABASE_KINDS = [
  "auto",
  "postgresql",
  "timescaledb",
  "citus",
] as const;
/** auto: whatever the server offers (TimescaleDB when preloaded, Citus when created). */
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

export type ServerFacts = {
  versionNum: number;
  version: string;
  database: string;
  timescaledbAvailable: boolean;
  timescaledbPreloaded: boolean;
  timescaledbCreated: boolean;
  citusCreated: boolean;
  /** This node is the coordinator (or a fresh Citus database that has no nodes registered yet). */
  citusCoordinator: boolean;
  citusWorkers: number;
  /** metric_samples exists (migration 0001 has run): "partitioned" or "hypertable". */
  metricStorage: "none" | "partitioned" | "hypertable";
};

const MIN_VERSION_NUM = 150_000;
const KIND_SETTING = "KUBEWISE_DATABASE_KIND";

function timescaledbProblem(
  f: ServerFacts,
  expect: DatabaseKind,
): string | undefined {
  const usable =
    f.timescaledbCreated || (f.timescaledbAvailable && f.timescaledbPreloaded);
  if (expect === "timescaledb") {
    if (f.metricStorage === "partitioned")
      return `TimescaleDB expected (${KIND_SETTING}=timescaledb) but database "${f.database}" was migrated for plain PostgreSQL`;
    if (!f.timescaledbAvailable)
      return `TimescaleDB expected (${KIND_SETTING}=timescaledb) but the server does not offer the timescaledb extension`;
    if (!usable)
      return `TimescaleDB expected (${KIND_SETTING}=timescaledb) but timescaledb is not in shared_preload_libraries: add it and restart the server`;
    return undefined;
  }
  if (
    expect === "postgresql" &&
    (f.timescaledbCreated || f.timescaledbPreloaded)
  )
    return `plain PostgreSQL expected (${KIND_SETTING}=postgresql) but the server preloads TimescaleDB: set ${KIND_SETTING}=timescaledb or auto`;
  // Migration 0001 creates the extension whenever the server offers it; TimescaleDB ends that
  // session (FATAL) when it is not preloaded, so the migration could never run.
  if (f.metricStorage === "none" && f.timescaledbAvailable && !usable)
    return "the server has the timescaledb extension installed but not in shared_preload_libraries, so the first migration cannot run: add it to shared_preload_libraries and restart (TimescaleDB storage), or use a server without the extension (plain PostgreSQL)";
  return undefined;
}

function citusProblem(
  f: ServerFacts,
  expect: DatabaseKind,
): string | undefined {
  if (expect === "citus" && !f.citusCreated)
    return `Citus expected (${KIND_SETTING}=citus) but database "${f.database}" has no citus extension: CREATE EXTENSION citus and add the workers on the coordinator first (docs/citus.md)`;
  if (!f.citusCreated) return undefined;
  if (expect === "postgresql" || expect === "timescaledb")
    return `${expect === "postgresql" ? "plain PostgreSQL" : "TimescaleDB"} expected (${KIND_SETTING}=${expect}) but database "${f.database}" is a Citus database`;
  if (!f.citusCoordinator)
    return `database "${f.database}" is on a Citus worker: point DATABASE_URL at the coordinator`;
  if (f.citusWorkers === 0)
    return `Citus coordinator without workers: add them with citus_add_node (docs/citus.md)`;
  return undefined;
}

/** Every way the server differs from what `expect` promises; empty when it matches. */
export function findDatabaseKindProblems(
  facts: ServerFacts,
  expect: DatabaseKind,
): string[] {
  const problems: (string | undefined)[] = [
    facts.versionNum < MIN_VERSION_NUM
      ? `PostgreSQL ${facts.version} is too old: Kubewise needs PostgreSQL 15 or newer`
      : undefined,
    citusProblem(facts, expect),
    timescaledbProblem(facts, expect),
  ];
  return problems.filter((p): p is string => p !== undefined);
}

async function readServerFacts(sql: postgres.Sql): Promise<ServerFacts> {
  const [row] = await sql<
    (Omit<ServerFacts, "citusCoordinator" | "citusWorkers"> & {
      preload: string;
    })[]
  >`
    select current_setting('server_version_num')::integer as "versionNum",
      current_setting('server_version') as version,
      current_database() as database,
      exists (select 1 from pg_available_extensions where name = 'timescaledb') as "timescaledbAvailable",
      current_setting('shared_preload_libraries') as preload,
      exists (select 1 from pg_extension where extname = 'timescaledb') as "timescaledbCreated",
      exists (select 1 from pg_extension where extname = 'citus') as "citusCreated",
      case (select relkind from pg_class where oid = to_regclass('public.metric_samples'))
        when 'p' then 'partitioned' when 'r' then 'hypertable' else 'none' end as "metricStorage"`;
  if (row === undefined) throw new Error("the server returned no facts");
  const { preload, ...facts } = row;
  const citus = facts.citusCreated
    ? (
        await sql<{ coordinator: boolean; workers: number }[]>`
          select citus_is_coordinator() or not exists (select 1 from pg_dist_node) as coordinator,
            (select count(*)::integer from pg_dist_node
             where groupid <> 0 and noderole = 'primary' and isactive and shouldhaveshards) as workers`
      )[0]
    : undefined;
  return {
    ...facts,
    timescaledbPreloaded: preload
      .split(",")
      .some(
        (library) => library.trim().replace(/^"|"$/g, "") === "timescaledb",
      ),
    citusCoordinator: citus?.coordinator ?? false,
    citusWorkers: citus?.workers ?? 0,
  };
}

/**
 * Throws a one-line DatabaseConfigError when the server at `url` is not the kind of database the
 * configuration says (TimescaleDB expected but missing, Citus without workers, PostgreSQL < 15).
 */
export async function checkDatabaseKind({
  url,
  expect = "auto",
}: {
  url: string;
  expect?: DatabaseKind;
}): Promise<ServerFacts> {
  const target = parseDatabaseUrl(url);
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 10,
    onnotice: () => undefined,
  });
  try {
    const facts = await readServerFacts(sql);
    const [problem] = findDatabaseKindProblems(facts, expect);
    if (problem !== undefined)
      throw new DatabaseConfigError(
        `${problem} (PostgreSQL at ${describeTarget(target)})`,
      );
    return facts;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
