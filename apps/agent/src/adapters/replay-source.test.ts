import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { afterEach, describe, expect, it } from "vitest";

import { createReplaySource } from "./replay-source";

const HEADER =
  "series_id,timestamp_s,cpu_cores,mem_bytes,cpu_request,mem_request,cpu_limit,mem_limit";
let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeTinyTrace(): string {
  dir = mkdtempSync(join(tmpdir(), "kw-replay-"));
  mkdirSync(join(dir, "set", "tidy"), { recursive: true });
  const rows = [0, 300, 600, 900].flatMap((t, i) => [
    `vm-a,${1000 + t},${0.1 * (i + 1)},${1000 * (i + 1)},1,4096,1,4096`,
  ]);
  const other = ["vm-b,1000,2,5000,2,8192,2,8192"];
  writeFileSync(
    join(dir, "set", "tidy", "part01.csv.gz"),
    gzipSync(`${HEADER}\n${[...rows, ...other].join("\n")}\n`),
  );
  writeFileSync(
    join(dir, "set", "tidy", "normalized.csv.gz"),
    gzipSync("series_id,timestamp_s,cpu_ncu\n"),
  );
  return dir;
}

describe("replay source", () => {
  it("replays trace rows on an accelerated clock, each row once, skipping unsupported files", async () => {
    const skipped: string[] = [];
    const source = createReplaySource({
      path: writeTinyTrace(),
      maxSeries: 10,
      namespace: "replay",
      wallStartMs: 10_000_000,
      simStartMs: 1_000_000,
      speed: 600,
      onSkippedFile: (file) => skipped.push(file),
    });
    expect(skipped).toHaveLength(1);
    const first = await source.collect(10_000_000);
    expect(
      first.samples.map((s) => [
        s.meta.workloadName,
        s.timestampMs,
        s.cpuUsageCores,
      ]),
    ).toEqual([
      ["vm-a", 1_000_000, 0.1],
      ["vm-b", 1_000_000, 2],
    ]);
    // 1 s of wall time = 600 s of trace time: two more 300 s rows of vm-a
    const second = await source.collect(10_001_000);
    expect(second.samples.map((s) => s.timestampMs)).toEqual([
      1_300_000, 1_600_000,
    ]);
    expect(second.samples[1]).toMatchObject({
      memoryWorkingSetBytes: 3000,
      memoryLimitBytes: 4096,
    });
    expect(second.samples[1]?.meta.cpuRequestMillicores).toBe(1000);
    const third = await source.collect(10_010_000);
    expect(third.samples.map((s) => s.timestampMs)).toEqual([1_900_000]);
  });

  it("fails clearly when nothing is replayable", () => {
    dir = mkdtempSync(join(tmpdir(), "kw-replay-"));
    expect(() =>
      createReplaySource({
        path: dir,
        maxSeries: 1,
        namespace: "x",
        wallStartMs: 0,
        simStartMs: 0,
        speed: 1,
      }),
    ).toThrow(/no replayable tidy trace/);
  });
});
