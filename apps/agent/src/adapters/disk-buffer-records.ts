import { writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";

// Record layout: u32 bodyLength | u32 crc32(body) | body = u16 keyLength | key | payload.
export const HEADER_BYTES = 8;
export const SEGMENT_PATTERN = /^segment-(\d{12})\.kwb$/;

export type PendingRecord = {
  key: string;
  segmentId: number;
  offset: number;
  length: number;
};

/** Why a record could not be written: the disk is full, the file size limit, any other I/O error. */
export type WriteFailure = "no_space" | "file_too_large" | "io_error";

export function segmentPath(dir: string, id: number): string {
  return join(dir, `segment-${String(id).padStart(12, "0")}.kwb`);
}

/** Parses the valid prefix of a segment file; returns its records and the valid byte length. */
export function scanSegment(
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

export function encodeRecord(key: string, payload: Uint8Array): Buffer {
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

export function toWriteFailure(error: unknown): WriteFailure {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOSPC" || code === "EDQUOT") return "no_space";
  if (code === "EFBIG") return "file_too_large";
  return "io_error";
}

/** fs.writeSync's shape: returns the bytes written, which may be fewer than asked. */
export type WriteFn = (
  fd: number,
  data: Buffer,
  offset: number,
  length: number,
) => number;

/** Writes all of `data` at the end of `fd` (loops over short writes); throws what the last write threw. */
export function writeFully(
  fd: number,
  data: Buffer,
  write: WriteFn = writeSync,
): void {
  for (let written = 0; written < data.length;) {
    const n = write(fd, data, written, data.length - written);
    if (n <= 0)
      throw Object.assign(new Error("write made no progress"), { code: "EIO" });
    written += n;
  }
}
