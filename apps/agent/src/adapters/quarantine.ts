import {
  mkdirSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

// Batches the aggregator refused for good (invalid, undecodable) leave the send buffer but are kept
// here for inspection, one file each: a JSON line (key, code, reason, time) then the exact bytes
// that were sent. Bounded: the oldest files go first, counted.
const FILE_PATTERN = /^(\d{12})-[\w.:-]+\.rejected$/;

type QuarantineStats = {
  /** Batches put here since start. */
  quarantined: number;
  /** Files removed to stay within maxBytes since start. */
  evicted: number;
  /** Batches that could not be written here (e.g. disk full); they are gone, but counted. */
  writeFailures: number;
  files: number;
  bytes: number;
};

export type Quarantine = {
  put(
    key: string,
    payload: Uint8Array,
    verdict: { code: number; reason: string; atMs: number },
  ): void;
  stats(): QuarantineStats;
};

type Entry = { name: string; bytes: number };

export function openQuarantine(options: {
  dir: string;
  maxBytes: number;
}): Quarantine {
  mkdirSync(options.dir, { recursive: true });
  const entries: Entry[] = readdirSync(options.dir)
    .filter((name) => FILE_PATTERN.test(name))
    .sort()
    .map((name) => ({
      name,
      bytes: statSync(join(options.dir, name)).size,
    }));
  let next =
    entries.length === 0
      ? 1
      : Number(FILE_PATTERN.exec(entries.at(-1)?.name ?? "")?.[1] ?? 0) + 1;
  const stats = { quarantined: 0, evicted: 0, writeFailures: 0 };
  const totalBytes = () => entries.reduce((sum, e) => sum + e.bytes, 0);

  const evictFor = (bytes: number) => {
    while (entries.length > 0 && totalBytes() + bytes > options.maxBytes) {
      const oldest = entries.shift();
      if (oldest === undefined) break;
      try {
        unlinkSync(join(options.dir, oldest.name));
      } catch {
        // Already gone: nothing left to free.
      }
      stats.evicted++;
    }
  };

  return {
    put(key, payload, verdict) {
      const header = Buffer.from(
        `${JSON.stringify({ key, code: verdict.code, reason: verdict.reason, atMs: verdict.atMs })}\n`,
      );
      const bytes = header.length + payload.length;
      const name = `${String(next++).padStart(12, "0")}-${key.replace(/[^\w.:-]/g, "_")}.rejected`;
      evictFor(bytes);
      try {
        writeFileSync(
          join(options.dir, name),
          Buffer.concat([header, payload]),
        );
        entries.push({ name, bytes });
        stats.quarantined++;
      } catch {
        stats.writeFailures++;
      }
    },
    stats: () => ({ ...stats, files: entries.length, bytes: totalBytes() }),
  };
}
