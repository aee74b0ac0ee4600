import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";

// Record layout: u32 bodyLength | u32 crc32(body) | body = u16 keyLength | key | payload.
const HEADER_BYTES = 8;
const SEGMENT_PATTERN = /^segment-(\d{12})\.kwb$/;

export type DiskBufferOptions = {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  fsyncIntervalMs: number;
};

type PendingRecord = {
  key: string;
  segmentId: number;
  offset: number;
  length: number;
};

type DiskBufferStats = {
  depthRecords: number;
  bytes: number;
  droppedRecords: number;
  corruptTails: number;
};

type Segment = {
  id: number;
  bytes: number;
  records: PendingRecord[];
  unacked: Set<string>;
};

export type DiskBuffer = {
  append(key: string, payload: Uint8Array): void;
  /** Unacked records, oldest first. */
  pending(): PendingRecord[];
  read(record: PendingRecord): Buffer;
  /** Returns false for keys not (or no longer) in the buffer. */
  ack(key: string): boolean;
  stats(): DiskBufferStats;
  flush(): void;
  close(): void;
};

function segmentPath(dir: string, id: number): string {
  return join(dir, `segment-${String(id).padStart(12, "0")}.kwb`);
}

/** Parses the valid prefix of a segment file; returns its records and the valid byte length. */
function scanSegment(
  data: Buffer,
  segmentId: number,
): { records: PendingRecord[]; validBytes: number } {
  const records: PendingRecord[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= data.length) {
    const bodyLength = data.readUInt32LE(offset);
    const end = offset + HEADER_BYTES + bodyLength;
    if (bodyLength < 2 || end > data.length) break;
    const body = data.subarray(offset + HEADER_BYTES, end);
    if (crc32(body) !== data.readUInt32LE(offset + 4)) break;
    const keyLength = body.readUInt16LE(0);
    if (2 + keyLength > body.length) break;
    const key = body.toString("utf8", 2, 2 + keyLength);
    records.push({ key, segmentId, offset, length: end - offset });
    offset = end;
  }
  return { records, validBytes: offset };
}

function encodeRecord(key: string, payload: Uint8Array): Buffer {
  const keyBytes = Buffer.from(key, "utf8");
  const record = Buffer.allocUnsafe(
    HEADER_BYTES + 2 + keyBytes.length + payload.length,
  );
  record.writeUInt32LE(2 + keyBytes.length + payload.length, 0);
  record.writeUInt16LE(keyBytes.length, HEADER_BYTES);
  keyBytes.copy(record, HEADER_BYTES + 2);
  record.set(payload, HEADER_BYTES + 2 + keyBytes.length);
  record.writeUInt32LE(crc32(record.subarray(HEADER_BYTES)), 4);
  return record;
}

function recoverSegments(dir: string, stats: DiskBufferStats): Segment[] {
  const ids = readdirSync(dir)
    .map((name) => SEGMENT_PATTERN.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const id of ids) {
    const path = segmentPath(dir, id);
    const data = readFileSync(path);
    const { records, validBytes } = scanSegment(data, id);
    if (validBytes < data.length) {
      stats.corruptTails++;
      const fd = openSync(path, "r+");
      ftruncateSync(fd, validBytes);
      closeSync(fd);
    }
    if (records.length === 0) {
      unlinkSync(path);
      continue;
    }
    segments.push({
      id,
      bytes: validBytes,
      records,
      unacked: new Set(records.map((r) => r.key)),
    });
  }
  return segments;
}

/**
 * Bounded append-only buffer of unacked batches. Survives kill -9 (the valid prefix of each
 * segment is recovered by CRC) and, with fsync every `fsyncIntervalMs`, power loss of older data.
 * When full it drops the oldest segment and counts its unacked records.
 */
export function openDiskBuffer(options: DiskBufferOptions): DiskBuffer {
  if (options.maxBytes < 2 * options.segmentBytes) {
    throw new Error("disk buffer maxBytes must be at least twice segmentBytes");
  }
  mkdirSync(options.dir, { recursive: true });
  const stats: DiskBufferStats = {
    depthRecords: 0,
    bytes: 0,
    droppedRecords: 0,
    corruptTails: 0,
  };
  const segments = recoverSegments(options.dir, stats);
  const byKey = new Map<string, Segment>();
  for (const segment of segments)
    for (const record of segment.records) byKey.set(record.key, segment);
  let active: Segment = {
    id: (segments.at(-1)?.id ?? 0) + 1,
    bytes: 0,
    records: [],
    unacked: new Set(),
  };
  let fd = openSync(segmentPath(options.dir, active.id), "a");
  segments.push(active);
  let dirty = false;

  const flush = () => {
    if (!dirty) return;
    fsyncSync(fd);
    dirty = false;
  };
  const timer = setInterval(flush, options.fsyncIntervalMs);
  timer.unref();

  const rotate = () => {
    flush();
    closeSync(fd);
    active = { id: active.id + 1, bytes: 0, records: [], unacked: new Set() };
    fd = openSync(segmentPath(options.dir, active.id), "a");
    segments.push(active);
  };
  const removeSegment = (segment: Segment) => {
    segments.splice(segments.indexOf(segment), 1);
    for (const key of segment.unacked) byKey.delete(key);
    unlinkSync(segmentPath(options.dir, segment.id));
  };
  const totalBytes = () => segments.reduce((sum, s) => sum + s.bytes, 0);

  const makeRoom = (recordBytes: number) => {
    if (active.bytes > 0 && active.bytes + recordBytes > options.segmentBytes)
      rotate();
    while (
      totalBytes() + recordBytes > options.maxBytes &&
      segments[0] !== active
    ) {
      const oldest = segments[0];
      if (oldest === undefined) break;
      stats.droppedRecords += oldest.unacked.size;
      removeSegment(oldest);
    }
  };

  return {
    append(key, payload) {
      if (byKey.has(key)) throw new Error(`duplicate buffer key ${key}`);
      const record = encodeRecord(key, payload);
      makeRoom(record.length);
      writeSync(fd, record);
      active.records.push({
        key,
        segmentId: active.id,
        offset: active.bytes,
        length: record.length,
      });
      active.unacked.add(key);
      active.bytes += record.length;
      byKey.set(key, active);
      dirty = true;
    },
    pending() {
      return segments.flatMap((s) =>
        s.records.filter((r) => s.unacked.has(r.key)),
      );
    },
    read(record) {
      const readFd = openSync(segmentPath(options.dir, record.segmentId), "r");
      try {
        const data = Buffer.allocUnsafe(record.length);
        readSync(readFd, data, 0, record.length, record.offset);
        const keyLength = data.readUInt16LE(HEADER_BYTES);
        return data.subarray(HEADER_BYTES + 2 + keyLength);
      } finally {
        closeSync(readFd);
      }
    },
    ack(key) {
      const segment = byKey.get(key);
      if (segment === undefined) return false;
      segment.unacked.delete(key);
      byKey.delete(key);
      if (segment.unacked.size > 0) return true;
      if (segment === active) rotate();
      removeSegment(segment);
      return true;
    },
    stats() {
      const depthRecords = segments.reduce((sum, s) => sum + s.unacked.size, 0);
      return { ...stats, depthRecords, bytes: totalBytes() };
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
      closeSync(fd);
    },
  };
}
