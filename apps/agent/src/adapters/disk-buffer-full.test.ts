import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { openDiskBuffer } from "./disk-buffer";

// Real full disks, in a child process: RLIMIT_FSIZE (`ulimit -f`, short write then EFBIG) and a
// 64 KiB tmpfs (short write then ENOSPC). Every append reported OK must come back after a reopen,
// nothing of a failed one may, and each failure is counted as a dropped record.
const CHILD = join(import.meta.dirname, "../testing/fill-buffer.ts");

type Fill = {
  ok: string[];
  failed: { key: string; reason: string }[];
  stats: { droppedRecords: number; writeFailures: Record<string, number> };
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0))
    rmSync(dir, { recursive: true, force: true });
});

function fill(dir: string, shellPrefix: string): Fill {
  const run = spawnSync(
    "bash",
    [
      "-c",
      `${shellPrefix} exec "$0" --import tsx "$1" "$2"`,
      process.execPath,
      CHILD,
      dir,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (run.status !== 0) throw new Error(`fill-buffer failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as Fill;
}

function expectNothingLost(dir: string, result: Fill, reason: string): void {
  expect(result.ok.length).toBeGreaterThan(0);
  expect(result.failed.length).toBeGreaterThan(0);
  expect(new Set(result.failed.map((f) => f.reason))).toEqual(
    new Set([reason]),
  );
  expect(result.stats.writeFailures[reason]).toBe(result.failed.length);
  expect(result.stats.droppedRecords).toBe(result.failed.length);
  const reopened = openDiskBuffer({
    dir,
    maxBytes: 64 << 20,
    segmentBytes: 8 << 20,
    fsyncIntervalMs: 10,
  });
  try {
    expect(reopened.pending().map((r) => r.key)).toEqual(result.ok);
    expect(reopened.stats().corruptTails).toBe(0);
    const last = reopened.pending().at(-1);
    expect(last && reopened.read(last).length).toBe(2048);
  } finally {
    reopened.close();
  }
}

describe("disk buffer on a full disk", () => {
  it("cuts back a short write at the file size limit (ulimit -f), counts it and keeps every OK record", () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-buf-fsize-"));
    dirs.push(dir);
    const result = fill(dir, "ulimit -f 48 &&");
    expectNothingLost(dir, result, "file_too_large");
  });

  const canMount = userInfo().uid === 0;
  it.runIf(canMount)(
    "cuts back a short write when a tmpfs fills up (ENOSPC), counts it and keeps every OK record",
    () => {
      const parent = mkdtempSync(join(tmpdir(), "kw-buf-tmpfs-"));
      const dir = join(parent, "fs");
      mkdirSync(dir);
      try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
      } catch (error) {
        console.log(`tmpfs test skipped: cannot mount (${String(error)})`);
        rmSync(parent, { recursive: true, force: true });
        return;
      }
      try {
        const result = fill(join(dir, "buffer"), "");
        expectNothingLost(join(dir, "buffer"), result, "no_space");
      } finally {
        execFileSync("umount", [dir]);
        rmSync(parent, { recursive: true, force: true });
      }
    },
  );
});
