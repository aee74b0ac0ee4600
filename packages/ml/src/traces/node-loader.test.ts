import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { findTidyFiles, loadTraceFolder } from "./node-loader";

const HEADER =
  "series_id,timestamp_s,cpu_cores,mem_bytes,cpu_request,mem_request,cpu_limit,mem_limit";
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kw-traces-"));
  await writeFile(
    join(dir, "series.csv"),
    "series_id,tidy_file,points\nx,y,1\n",
  );
  await writeFile(
    join(dir, "part1.csv.gz"),
    gzipSync(
      [
        HEADER,
        "vm1,300,0.5,100,1,1000,1,1000",
        "vm2,0,0.1,0,1,1000,1,1000",
      ].join("\n"),
    ),
  );
  await writeFile(
    join(dir, "part2.csv"),
    [HEADER, "vm1,0,0.4,90,1,1000,1,1000", "vm1,bad", ""].join("\n"),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadTraceFolder", () => {
  it("finds tidy files (gzip or plain) and ignores other CSVs", async () => {
    const files = await findTidyFiles(dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      "part1.csv.gz",
      "part2.csv",
    ]);
  });

  it("joins a series split across files, in time order, and counts rejected rows", async () => {
    const loaded = await loadTraceFolder(dir);
    expect(loaded.series.map((s) => s.seriesId)).toEqual(["vm1", "vm2"]);
    expect([...loaded.series[0]!.timestampsS]).toEqual([0, 300]);
    expect(loaded.rejectedRows).toBe(1);
    expect(loaded.firstRejection).toMatch(/part2\.csv:3/);
  });

  it("fails clearly on a missing folder or one without tidy files", async () => {
    await expect(loadTraceFolder(join(dir, "nope"))).rejects.toThrow(
      /not readable/,
    );
    const empty = await mkdtemp(join(tmpdir(), "kw-empty-"));
    await expect(loadTraceFolder(empty)).rejects.toThrow(/no tidy trace files/);
    await rm(empty, { recursive: true, force: true });
  });
});
