// Child process for the full-disk tests: appends 2 KiB records to a disk buffer in argv[2] until
// appends keep failing, then prints what happened as one JSON line.
import { openDiskBuffer } from "../adapters/disk-buffer";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: fill-buffer <dir>");
const buffer = openDiskBuffer({
  dir,
  maxBytes: 64 << 20,
  segmentBytes: 8 << 20,
  fsyncIntervalMs: 10,
});
const ok: string[] = [];
const failed: { key: string; reason: string }[] = [];
for (let i = 0; i < 500 && failed.length < 3; i++) {
  const key = `boot:${i + 1}`;
  const result = buffer.append(key, Buffer.alloc(2048, i % 251));
  if (result.ok) ok.push(key);
  else failed.push({ key, reason: result.reason });
}
const stats = buffer.stats();
buffer.close();
process.stdout.write(`${JSON.stringify({ ok, failed, stats })}\n`);
