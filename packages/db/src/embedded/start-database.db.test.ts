import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DatabaseConfigError } from "../errors";
import { startDatabase } from "./start-database";

function serverProcessesFor(dataDir: string): number {
  const out = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes(`-D ${dataDir}`))
    .length;
}

describe("startDatabase (embedded)", () => {
  let parent: string;
  let dataDir: string;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "kubewise-embedded-"));
    await chmod(parent, 0o755);
    dataDir = join(parent, "pg");
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("keeps data across a stop and a restart in the same data directory, leaving no server behind", async () => {
    const first = await startDatabase({ dataDir, database: "demo" });
    const sql1 = postgres(first.url, { max: 1 });
    await sql1`create table kept (value text)`;
    await sql1`insert into kept values ('survives')`;
    await sql1.end();
    await first.stop();
    expect(serverProcessesFor(dataDir)).toBe(0);

    const progress: string[] = [];
    const second = await startDatabase({
      dataDir,
      database: "demo",
      onProgress: (m) => progress.push(m),
    });
    const sql2 = postgres(second.url, { max: 1 });
    expect(await sql2`select value from kept`).toEqual([{ value: "survives" }]);
    await sql2.end();
    await second.stop();

    expect(progress.some((m) => m.startsWith("initialising"))).toBe(false);
    expect(new URL(second.url).hostname).toBe("127.0.0.1");
    expect(serverProcessesFor(dataDir)).toBe(0);
  });

  it("refuses a data directory that holds a cluster it did not create", async () => {
    await rm(join(dataDir, "kubewise-credentials.json"));
    await expect(startDatabase({ dataDir })).rejects.toThrow(
      new DatabaseConfigError(
        `data directory ${dataDir} holds a PostgreSQL cluster that Kubewise did not create (no readable kubewise-credentials.json)`,
      ),
    );
  });
});
