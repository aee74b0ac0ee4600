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
} from "node:fs";

import {
  encodeRecord,
  HEADER_BYTES,
  scanSegment,
  SEGMENT_PATTERN,
  segmentPath,
  toWriteFailure,
  writeFully,
  type PendingRecord,
  type WriteFailure,
  type WriteFn,
} from "./disk-buffer-records";

export type DiskBufferOptions = {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  fsyncIntervalMs: number;
  /** fs.writeSync unless a test injects short writes or errors. */
  write?: WriteFn;
};

type AppendResult = { ok: true } | { ok: false; reason: WriteFailure };

type DiskBufferStats = {
  depthRecords: number;
  bytes: number;
  /** Records dropped unsent: oldest ones evicted when full, plus records that could not be written. */
  droppedRecords: number;
  corruptTails: number;
  writeFailures: Record<WriteFailure, number>;
  fsyncFailures: number;
};

type Segment = {
  id: number;
  bytes: number;
  records: PendingRecord[];
  unacked: Set<string>;
};

export type DiskBuffer = {
  /**
   * Writes one record. On a full disk, the file size limit or an I/O error nothing of it stays in
   * the segment (a partial write is cut back), the record counts as dropped and the result says
   * why: the caller must not treat it as buffered.
   */
  append(key: string, payload: Uint8Array): AppendResult;
  /** Unacked records, oldest first. */
  pending(): PendingRecord[];
  read(record: PendingRecord): Buffer;
  /** The payload of an unacked record, by key. */
  readKey(key: string): Buffer | undefined;
  /** Returns false for keys not (or no longer) in the buffer. */
  ack(key: string): boolean;
  stats(): DiskBufferStats;
  flush(): void;
  close(): void;
};

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
    writeFailures: { no_space: 0, file_too_large: 0, io_error: 0 },
    fsyncFailures: 0,
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

  // A failed fsync keeps the data dirty for the next try; it must not take the agent down.
  const flush = () => {
    if (!dirty) return;
    try {
      fsyncSync(fd);
      dirty = false;
    } catch {
      stats.fsyncFailures++;
    }
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
      try {
        writeFully(fd, record, options.write);
      } catch (error: unknown) {
        const reason = toWriteFailure(error);
        stats.writeFailures[reason]++;
        stats.droppedRecords++;
        try {
          ftruncateSync(fd, active.bytes);
        } catch {
          // Cannot cut it back: the CRC scan drops the torn tail at the next open (counted there).
        }
        return { ok: false, reason };
      }
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
      return { ok: true };
    },
    pending() {
      return segments.flatMap((s) =>
        s.records.filter((r) => s.unacked.has(r.key)),
      );
    },
    readKey(key) {
      const segment = byKey.get(key);
      const record = segment?.records.find((r) => r.key === key);
      return record === undefined ? undefined : this.read(record);
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
      return {
        ...stats,
        writeFailures: { ...stats.writeFailures },
        depthRecords,
        bytes: totalBytes(),
      };
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
      closeSync(fd);
    },
  };
}
