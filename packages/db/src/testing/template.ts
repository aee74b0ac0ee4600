// Database copies for the test harness. On Citus every node holds its own copy of each database
// (the coordinator's metadata names shards that live in the same-named database on the workers),
// so a test database is the template copied on every node.
import postgres from "postgres";

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function onEach(
  adminUrls: readonly string[],
  statement: (sql: postgres.Sql) => Promise<unknown>,
): Promise<void> {
  await Promise.all(
    adminUrls.map(async (url) => {
      const sql = postgres(url, {
        max: 1,
        idle_timeout: 5,
        onnotice: () => undefined,
      });
      try {
        await statement(sql);
      } finally {
        await sql.end({ timeout: 5 });
      }
    }),
  );
}

/**
 * CREATE DATABASE ... TEMPLATE needs a template nobody is connected to, but Citus' maintenance
 * daemon stays connected to every Citus database: refuse new connections, then end the open ones.
 */
export async function freezeTemplate(
  adminUrls: readonly string[],
  template: string,
): Promise<void> {
  await onEach(adminUrls, async (sql) => {
    await sql.unsafe(
      `alter database ${quote(template)} with allow_connections false`,
    );
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = ${template} and pid <> pg_backend_pid()`;
  });
}

export async function createDatabaseEverywhere(
  adminUrls: readonly string[],
  name: string,
  template: string,
): Promise<void> {
  await onEach(adminUrls, (sql) =>
    sql.unsafe(`create database ${quote(name)} template ${quote(template)}`),
  );
}

const OBJECT_IN_USE = "55006";

export async function dropDatabaseEverywhere(
  adminUrls: readonly string[],
  name: string,
): Promise<void> {
  await onEach(adminUrls, async (sql) => {
    // Citus' maintenance daemon may reconnect between FORCE's terminations and the drop.
    for (let attempt = 1; ; attempt++) {
      try {
        await sql.unsafe(`drop database if exists ${quote(name)} with (force)`);
        return;
      } catch (error: unknown) {
        const code = (error as { code?: string }).code;
        if (code !== OBJECT_IN_USE || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  });
}
