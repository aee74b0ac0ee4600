import type { SlotSeries } from "@kubewise/ml";

import type { SlotRecord } from "./slot-journal";

// Training history file format (one file per UTC day, append-only): a sequence of records.
//   key:  0x01, id u32, length u16, UTF-8 container key        (before the key's first slot)
//   slot: 0x02, id u32, slot i32, cpuMean f32, cpuMax f32, memMax f32   (21 bytes)
// Little-endian. A torn tail (crash mid-append) ends the valid prefix; the rest is ignored.
const KEY = 0x01;
const SLOT = 0x02;
const SLOT_BYTES = 21;

/** Encodes records for one day file; `keys` maps container keys to ids already written in it. */
export function encodeSlotRecords(
  records: readonly SlotRecord[],
  keys: Map<string, number>,
): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const record of records) {
    let id = keys.get(record.key);
    if (id === undefined) {
      id = keys.size;
      keys.set(record.key, id);
      const name = encoder.encode(record.key);
      const header = new Uint8Array(7 + name.length);
      const view = new DataView(header.buffer);
      view.setUint8(0, KEY);
      view.setUint32(1, id, true);
      view.setUint16(5, name.length, true);
      header.set(name, 7);
      parts.push(header);
    }
    const body = new Uint8Array(SLOT_BYTES);
    const view = new DataView(body.buffer);
    view.setUint8(0, SLOT);
    view.setUint32(1, id, true);
    view.setInt32(5, record.slot, true);
    view.setFloat32(9, record.cpuMeanCores, true);
    view.setFloat32(13, record.cpuMaxCores, true);
    view.setFloat32(17, record.memMaxBytes, true);
    parts.push(body);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type Growing = { slots: number[]; cpu: number[]; mem: number[] };

/** Decodes the valid prefix of one day file into per-key columns (appended to `into`). */
export function decodeSlotRecords(
  bytes: Uint8Array,
  into = new Map<string, Growing>(),
): { series: Map<string, Growing>; validBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names = new Map<number, string>();
  const decoder = new TextDecoder();
  let at = 0;
  while (at < bytes.length) {
    const type = view.getUint8(at);
    if (type === KEY && at + 7 <= bytes.length) {
      const length = view.getUint16(at + 5, true);
      if (at + 7 + length > bytes.length) break;
      names.set(
        view.getUint32(at + 1, true),
        decoder.decode(bytes.subarray(at + 7, at + 7 + length)),
      );
      at += 7 + length;
    } else if (type === SLOT && at + SLOT_BYTES <= bytes.length) {
      const key = names.get(view.getUint32(at + 1, true));
      if (key === undefined) break;
      let columns = into.get(key);
      if (columns === undefined) {
        columns = { slots: [], cpu: [], mem: [] };
        into.set(key, columns);
      }
      columns.slots.push(view.getInt32(at + 5, true));
      columns.cpu.push(view.getFloat32(at + 9, true));
      columns.mem.push(view.getFloat32(at + 17, true));
      at += SLOT_BYTES;
    } else break;
  }
  return { series: into, validBytes: at };
}

/** Sorted, de-duplicated per-container series (a slot written twice keeps its last record). */
export function toSlotSeries(columns: Map<string, Growing>): SlotSeries[] {
  return [...columns].map(([key, c]) => {
    const order = c.slots
      .map((_, i) => i)
      .sort((a, b) => (c.slots[a] ?? 0) - (c.slots[b] ?? 0) || a - b);
    const slots: number[] = [];
    const cpu: number[] = [];
    const mem: number[] = [];
    for (const i of order) {
      const slot = c.slots[i] ?? 0;
      if (slots.at(-1) === slot) {
        slots.pop();
        cpu.pop();
        mem.pop();
      }
      slots.push(slot);
      cpu.push(c.cpu[i] ?? Number.NaN);
      mem.push(c.mem[i] ?? Number.NaN);
    }
    return { key, slots, cpuCores: cpu, memBytes: mem };
  });
}
