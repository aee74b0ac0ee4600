import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";

import { openDiskBuffer, type DiskBufferOptions } from "./disk-buffer";
import { scanSegment } from "./disk-buffer-records";

// A fixed default keeps every run the same (tests never depend on the clock); set
// KW_PROPERTY_SEED to explore other seeds or replay a logged one.
const DEFAULT_PROPERTY_SEED = 20261207;

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(overrides: Partial<DiskBufferOptions> = {}): DiskBufferOptions {
  dir = mkdtempSync(join(tmpdir(), "kw-buf-"));
  return {
    dir,
    maxBytes: 64 * 1024,
    segmentBytes: 4 * 1024,
    fsyncIntervalMs: 50,
    ...overrides,
  };
}

const payload = (n: number) => Buffer.from(`payload-${n}-`.repeat(10));
const lastSegment = () =>
  join(
    dir,
    readdirSync(dir)
      .filter((f) => f.endsWith(".kwb"))
      .sort()
      .at(-1)!,
  );
const nonEmptySegments = () =>
  readdirSync(dir)
    .filter((f) => readFileSync(join(dir, f)).length > 0)
    .sort();

describe("disk buffer", () => {
  it("returns appended payloads in order and forgets acked ones", () => {
    const buffer = openDiskBuffer(setup());
    for (let i = 0; i < 5; i++) buffer.append(`k${i}`, payload(i));
    expect(buffer.pending().map((r) => buffer.read(r).toString())).toEqual(
      [0, 1, 2, 3, 4].map((i) => payload(i).toString()),
    );
    expect(buffer.ack("k1")).toBe(true);
    expect(buffer.ack("k1")).toBe(false);
    expect(buffer.pending().map((r) => r.key)).toEqual([
      "k0",
      "k2",
      "k3",
      "k4",
    ]);
    buffer.close();
  });

  it("recovers every unacked record after a reopen", () => {
    const options = setup();
    const buffer = openDiskBuffer(options);
    for (let i = 0; i < 100; i++) buffer.append(`k${i}`, payload(i));
    for (let i = 0; i < 50; i++) buffer.ack(`k${i}`);
    buffer.close();
    const reopened = openDiskBuffer(options);
    const keys = reopened.pending().map((r) => r.key);
    // Acked records in a partly acked segment may come back (harmless: the server dedups).
    expect(keys.slice(-50)).toEqual(
      Array.from({ length: 50 }, (_, i) => `k${i + 50}`),
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(reopened.read(reopened.pending().at(-1)!).toString()).toBe(
      payload(99).toString(),
    );
    reopened.close();
  });

  it.each([
    [
      "a truncated tail",
      (file: string, size: number) => truncateSync(file, size - 7),
    ],
    [
      "a torn header",
      (file: string, size: number) =>
        truncateSync(file, size - payload(0).length - 8),
    ],
    [
      "a flipped byte in the last record",
      (file: string, size: number) => {
        const data = readFileSync(file);
        data[size - 3] = (data[size - 3] ?? 0) ^ 0xff;
        writeFileSync(file, data);
      },
    ],
  ])("recovers the valid prefix after %s and counts it", (_name, damage) => {
    const options = setup({ segmentBytes: 32 * 1024 });
    const buffer = openDiskBuffer(options);
    for (let i = 0; i < 10; i++) buffer.append(`k${i}`, payload(i));
    buffer.close();
    const file = lastSegment();
    damage(file, readFileSync(file).length);
    const reopened = openDiskBuffer(options);
    expect(reopened.pending().map((r) => r.key)).toEqual(
      Array.from({ length: 9 }, (_, i) => `k${i}`),
    );
    expect(reopened.stats().corruptTails).toBe(1);
    reopened.append("k10", payload(10));
    expect(reopened.read(reopened.pending().at(-1)!).toString()).toBe(
      payload(10).toString(),
    );
    reopened.close();
  });

  it("drops the oldest records with a counter when full and stays bounded", () => {
    const options = setup({ maxBytes: 8 * 1024, segmentBytes: 2 * 1024 });
    const buffer = openDiskBuffer(options);
    for (let i = 0; i < 200; i++) buffer.append(`k${i}`, payload(i));
    const stats = buffer.stats();
    expect(stats.bytes).toBeLessThanOrEqual(options.maxBytes);
    expect(stats.droppedRecords + stats.depthRecords).toBe(200);
    expect(stats.droppedRecords).toBeGreaterThan(0);
    expect(buffer.pending().at(-1)?.key).toBe("k199");
    buffer.close();
    expect(nonEmptySegments().length).toBeLessThanOrEqual(4);
  });

  it("matches a queue model for any sequence of append, ack, restart, full, failed write and torn tail", () => {
    type Op =
      | { kind: "append" }
      | { kind: "ack"; pick: number }
      | { kind: "restart" }
      | { kind: "fail"; partialBytes: number; code: "ENOSPC" | "EFBIG" | "EIO" }
      | { kind: "tear"; bytes: number };
    const op = fc.oneof(
      { weight: 5, arbitrary: fc.constant<Op>({ kind: "append" }) },
      {
        weight: 3,
        arbitrary: fc.nat(50).map<Op>((pick) => ({ kind: "ack", pick })),
      },
      { weight: 1, arbitrary: fc.constant<Op>({ kind: "restart" }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("fail" as const),
          partialBytes: fc.nat(300),
          code: fc.constantFrom(
            "ENOSPC" as const,
            "EFBIG" as const,
            "EIO" as const,
          ),
        }),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 1, max: 40 })
          .map<Op>((bytes) => ({ kind: "tear", bytes })),
      },
    );
    const seed = Number(process.env.KW_PROPERTY_SEED ?? DEFAULT_PROPERTY_SEED);
    console.log(
      `disk buffer model: seed ${seed} (KW_PROPERTY_SEED replays it)`,
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let failNext: Extract<Op, { kind: "fail" }> | undefined;
        // Writes as fs.writeSync does, unless a failure is armed: then a short write, then the error.
        const write = (
          fd: number,
          data: Buffer,
          offset: number,
          length: number,
        ) => {
          const failure = failNext;
          if (failure === undefined) return writeSync(fd, data, offset, length);
          if (failure.partialBytes > 0 && failure.partialBytes < length) {
            failure.partialBytes = 0;
            return writeSync(
              fd,
              data,
              offset,
              Math.min(length - 1, failure.partialBytes || 1),
            );
          }
          failNext = undefined;
          throw Object.assign(new Error(failure.code), { code: failure.code });
        };
        const options = {
          ...setup({ maxBytes: 4 * 1024, segmentBytes: 1024 }),
          write,
        };
        let buffer = openDiskBuffer(options);
        const unacked: string[] = [];
        const appended = new Set<string>();
        let failures = 0;
        let torn = 0;
        let next = 0;
        for (const step of ops) {
          if (step.kind === "append") {
            const key = `k${next++}`;
            const result = buffer.append(key, payload(next));
            if (result.ok) {
              unacked.push(key);
              appended.add(key);
            } else failures++;
          } else if (step.kind === "fail") failNext = { ...step };
          else if (step.kind === "ack" && unacked.length > 0) {
            const [key] = unacked.splice(step.pick % unacked.length, 1);
            buffer.ack(key!);
          } else if (step.kind === "restart" || step.kind === "tear") {
            buffer.close();
            // Counters are per open (per agent boot), like the agent's own.
            failures = 0;
            torn = 0;
            if (step.kind === "tear") {
              const lost = tearNewestSegment(step.bytes);
              if (lost !== undefined) {
                torn++;
                const i = unacked.indexOf(lost);
                if (i >= 0) unacked.splice(i, 1);
                appended.delete(lost);
              }
            }
            buffer = openDiskBuffer(options);
          }
        }
        const pending = buffer.pending().map((r) => r.key);
        const stats = buffer.stats();
        buffer.close();
        rmSync(dir, { recursive: true, force: true });
        const order = (k: string) => Number(k.slice(1));
        expect(pending.map(order)).toEqual(
          [...pending.map(order)].sort((a, b) => a - b),
        );
        expect(new Set(pending).size).toBe(pending.length);
        // Nothing that failed to write (or was torn off) ever comes back.
        expect(pending.every((k) => appended.has(k))).toBe(true);
        expect(sum(Object.values(stats.writeFailures))).toBe(failures);
        expect(stats.corruptTails).toBe(torn);
        const evicted = stats.droppedRecords - failures;
        const kept = unacked.filter((k) => pending.includes(k));
        if (evicted === 0) expect(kept).toEqual(unacked);
        else
          expect(kept.length + evicted).toBeGreaterThanOrEqual(unacked.length);
      }),
      { numRuns: 1000, seed },
    );
    // 1,000 runs of real file I/O (the reliability note's bar): a few seconds alone, several times
    // that on a loaded CI machine; the timeout only stops a hang, it does not measure speed.
  }, 120_000);
});

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Cuts `bytes` off the newest non-empty segment (a torn write at power loss); returns the record key it breaks. */
function tearNewestSegment(bytes: number): string | undefined {
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith(".kwb") && statSync(join(dir, f)).size > 0)
    .sort()
    .at(-1);
  if (newest === undefined) return undefined;
  const file = join(dir, newest);
  const data = readFileSync(file);
  const { records } = scanSegment(data, 0);
  const last = records.at(-1);
  if (last === undefined) return undefined;
  truncateSync(file, data.length - Math.min(bytes, last.length - 1));
  return last.key;
}
