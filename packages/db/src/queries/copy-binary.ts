import type { Writable } from "node:stream";

import type { PendingQuery, Sql, TransactionSql } from "postgres";

/** Column types of PostgreSQL's binary COPY format that ingest needs. */
export type BinaryColumnType =
  "timestamptz" | "uuid" | "float8" | "int8" | "int4";

const SIGNATURE = [
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00,
];
const HEADER_BYTES = SIGNATURE.length + 8;
const VALUE_BYTES: Record<BinaryColumnType, number> = {
  timestamptz: 8,
  uuid: 16,
  float8: 8,
  int8: 8,
  int4: 4,
};
const TWO_POW_32 = 2 ** 32;
// PostgreSQL timestamps count microseconds from 2000-01-01T00:00:00Z.
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Writes rows of fixed-width columns in COPY's binary format into one buffer. */
export class BinaryCopyWriter {
  private readonly buffer: Buffer;
  private readonly view: DataView;
  private offset = HEADER_BYTES;

  /** Sized for `rows` rows of these columns, none of them null (nulls take less). */
  constructor(rows: number, types: readonly BinaryColumnType[]) {
    const rowBytes = types.reduce((sum, t) => sum + 4 + VALUE_BYTES[t], 2);
    this.buffer = Buffer.allocUnsafe(HEADER_BYTES + rows * rowBytes + 2);
    this.view = new DataView(
      this.buffer.buffer,
      this.buffer.byteOffset,
      this.buffer.byteLength,
    );
    this.buffer.set(SIGNATURE, 0);
    this.view.setInt32(SIGNATURE.length, 0); // flags: no OIDs
    this.view.setInt32(SIGNATURE.length + 4, 0); // no header extension
  }

  startRow(fieldCount: number): void {
    this.view.setInt16(this.offset, fieldCount);
    this.offset += 2;
  }

  null(): void {
    this.view.setInt32(this.offset, -1);
    this.offset += 4;
  }

  float8(value: number): void {
    this.view.setInt32(this.offset, 8);
    this.view.setFloat64(this.offset + 4, value);
    this.offset += 12;
  }

  int4(value: number): void {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)
      throw new RangeError(`int4 out of range: ${value}`);
    this.view.setInt32(this.offset, 4);
    this.view.setInt32(this.offset + 4, value);
    this.offset += 8;
  }

  int8(value: number): void {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`int8 must be a safe integer: ${value}`);
    this.view.setInt32(this.offset, 8);
    this.writeInt64(this.offset + 4, value);
    this.offset += 12;
  }

  timestamptz(epochMs: number): void {
    const micros = (epochMs - PG_EPOCH_MS) * 1000;
    if (!Number.isSafeInteger(micros))
      throw new RangeError(`timestamp must be whole milliseconds: ${epochMs}`);
    this.view.setInt32(this.offset, 8);
    this.writeInt64(this.offset + 4, micros);
    this.offset += 12;
  }

  /** A uuid already converted with uuidBytes (callers convert each id once per batch). */
  uuid(bytes: Uint8Array): void {
    this.view.setInt32(this.offset, 16);
    this.buffer.set(bytes, this.offset + 4);
    this.offset += 20;
  }

  /** The finished COPY payload (header, rows, trailer). */
  finish(): Buffer {
    this.view.setInt16(this.offset, -1);
    this.offset += 2;
    return this.buffer.subarray(0, this.offset);
  }

  private writeInt64(at: number, value: number): void {
    const high = Math.floor(value / TWO_POW_32);
    this.view.setInt32(at, high);
    this.view.setUint32(at + 4, value - high * TWO_POW_32);
  }
}

export function uuidBytes(id: string): Buffer {
  if (!UUID.test(id)) throw new RangeError(`not a uuid: ${id}`);
  return Buffer.from(id.replaceAll("-", ""), "hex");
}

/** Writes a COPY's payload and ends it; rejects when the driver's stream fails first. */
async function sendCopyData(
  writable: Writable,
  payload: Buffer,
): Promise<void> {
  const streamFailed = new Promise<never>((_, reject) =>
    writable.once("error", reject),
  );
  streamFailed.catch(() => undefined); // observed through the race below
  // The driver writes CopyDone in _final, which Node runs synchronously inside end() once the
  // write has flushed; only then may the connection take the next statement.
  await Promise.race([
    new Promise<void>((resolve, reject) =>
      writable.write(payload, (error) => (error ? reject(error) : resolve())),
    ),
    streamFailed,
  ]);
  writable.end();
}

/**
 * Runs `COPY <target> FROM STDIN (FORMAT binary)` inside a transaction and resolves only once
 * PostgreSQL has accepted every row.
 *
 * postgres.js 3.4 settles a COPY's writable only on CommandComplete: when the server answers
 * the data with an error after the driver sent CopyDone, the stream never finishes and awaiting
 * it hangs the transaction forever. So the caller's `confirm` statement runs right behind the
 * COPY on the same connection: it fails with "current transaction is aborted" when the COPY
 * failed (and with the connection error when the connection died), which rejects this call
 * and lets `sql.begin` roll back. Its result is returned (e.g. the batch key it inserted).
 */
export async function copyBinaryIn<T>(
  tx: TransactionSql,
  copy: { statement: string; payload: Buffer; confirm: () => Promise<T> },
): Promise<T> {
  const writable = await tx.unsafe(copy.statement).writable();
  const streamFailed = new Promise<never>((_, reject) =>
    writable.once("error", reject),
  );
  streamFailed.catch(() => undefined);
  await sendCopyData(writable, copy.payload);
  return Promise.race([copy.confirm(), streamFailed]);
}

/**
 * One transaction of a statement and a binary COPY that depends on its result, in four round trips
 * (five when each is awaited in turn): BEGIN; `first` and the COPY's start, pipelined; once `first`
 * has answered, `payload(first's rows)` as the COPY's data with `select 1` behind it (the
 * confirmation copyBinaryIn explains); COMMIT. It runs in sql.begin, which rolls back on any error
 * and rejects when the connection dies (a reserved connection left queued statements pending
 * forever when PostgreSQL was killed, and with them the pool's connection).
 */
export async function pipelinedCopyTransaction<R extends object>(
  sql: Sql,
  step: {
    first: (c: TransactionSql) => PendingQuery<R[]>;
    statement: string;
    payload: (rows: readonly R[]) => Buffer;
  },
): Promise<R[]> {
  let stored: R[] = [];
  await sql.begin(async (tx) => {
    const first = step.first(tx).execute();
    const copy = tx.unsafe(step.statement).writable();
    const [f, w] = await Promise.allSettled([first, copy]);
    if (f.status === "rejected") {
      if (w.status === "fulfilled")
        w.value.destroy(new Error("statement before the COPY failed"));
      throw f.reason;
    }
    if (w.status === "rejected") throw w.reason;
    const rows: R[] = [...f.value];
    const writable = w.value;
    const streamFailed = new Promise<never>((_, reject) =>
      writable.once("error", reject),
    );
    streamFailed.catch(() => undefined);
    let payload: Buffer;
    try {
      payload = step.payload(rows);
    } catch (error) {
      writable.destroy(
        error instanceof Error ? error : new Error(String(error)),
      );
      throw error;
    }
    await sendCopyData(writable, payload);
    await Promise.race([tx`select 1`, streamFailed]);
    stored = rows;
  });
  return stored;
}
