// The agent's local training history: closed 5-minute slots of every container (folded from the
// 10 s scrapes) in append-only day files under <dir>. Only federated training reads it, in a child
// process; it is derived data, so appends are not fsynced and a torn tail is simply ignored.
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";

import { SLOT_SECONDS, type SlotSeries } from "@kubewise/ml";

import {
  decodeSlotRecords,
  encodeSlotRecords,
  toSlotSeries,
} from "../domain/history-codec";
import { createSlotJournal } from "../domain/slot-journal";
import type { SlotRecord } from "../domain/slot-journal";
import type { ContainerMeta, ContainerSample } from "../domain/types";

const FILE_PATTERN = /^slots-(\d{8})-([a-z0-9]+)\.bin$/;
const SLOTS_PER_DAY = 86_400 / SLOT_SECONDS;

export type HistoryStore = {
  /** Folds a scrape; slots that closed are appended to their day's file. */
  observe(samples: readonly ContainerSample[]): void;
  /** Deletes day files older than the retention before the newest slot seen. */
  prune(): void;
  stats(): { files: number; bytes: number; containers: number };
};

function dayOf(slot: number): string {
  const date = new Date(Math.floor(slot / SLOTS_PER_DAY) * 86_400_000);
  return date.toISOString().slice(0, 10).replaceAll("-", "");
}

/** A training key survives container restarts inside a pod (the container id does not). */
function historyKey(meta: ContainerMeta): string {
  return `${meta.namespace}/${meta.podName}/${meta.containerName}`;
}

export function openHistoryStore(options: {
  dir: string;
  retentionDays: number;
  /** Distinguishes this process's files from those of earlier boots (ids are per file). */
  bootId: string;
}): HistoryStore {
  mkdirSync(options.dir, { recursive: true });
  const journal = createSlotJournal();
  const keysByFile = new Map<string, Map<string, number>>();
  const tag = options.bootId
    .replaceAll(/[^a-z0-9]/gi, "")
    .slice(0, 12)
    .toLowerCase();
  let newestSlot = Number.NEGATIVE_INFINITY;
  const byMeta = new WeakMap<ContainerMeta, string>();
  const keyOf = (meta: ContainerMeta) => {
    let key = byMeta.get(meta);
    if (key === undefined) {
      key = historyKey(meta);
      byMeta.set(meta, key);
    }
    return key;
  };

  const flush = () => {
    const closed = journal.takeClosed();
    if (closed.length === 0) return;
    const byDay = new Map<string, SlotRecord[]>();
    for (const record of closed) {
      const day = dayOf(record.slot);
      const list = byDay.get(day);
      if (list === undefined) byDay.set(day, [record]);
      else list.push(record);
    }
    for (const [day, records] of byDay) {
      const file = `slots-${day}-${tag}.bin`;
      const keys = keysByFile.get(file) ?? new Map<string, number>();
      keysByFile.set(file, keys);
      appendFileSync(join(options.dir, file), encodeSlotRecords(records, keys));
    }
  };

  const files = () =>
    readdirSync(options.dir).filter((name) => FILE_PATTERN.test(name));

  return {
    observe(samples) {
      for (const sample of samples) {
        journal.add(keyOf(sample.meta), sample.timestampMs, {
          cpuCores: sample.cpuUsageCores,
          memoryBytes: sample.memoryWorkingSetBytes,
        });
        const slot = Math.floor(sample.timestampMs / 1000 / SLOT_SECONDS);
        if (slot > newestSlot) newestSlot = slot;
      }
      // A container silent for a whole slot has its last slot closed too.
      journal.closeStale(newestSlot - 1);
      flush();
    },
    prune() {
      if (!Number.isFinite(newestSlot)) return;
      const oldest = dayOf(newestSlot - options.retentionDays * SLOTS_PER_DAY);
      for (const name of files()) {
        const day = FILE_PATTERN.exec(name)?.[1] ?? "";
        if (day < oldest) {
          rmSync(join(options.dir, name), { force: true });
          keysByFile.delete(name);
        }
      }
    },
    stats() {
      const names = files();
      const bytes = names.reduce(
        (n, name) => n + statSync(join(options.dir, name)).size,
        0,
      );
      return {
        files: names.length,
        bytes,
        containers: journal.openContainers(),
      };
    },
  };
}

/** Every container's slots in the history folder (the training child's input). */
export function readHistory(dir: string): SlotSeries[] {
  const columns = new Map<
    string,
    { slots: number[]; cpu: number[]; mem: number[] }
  >();
  let names: string[] = [];
  try {
    names = readdirSync(dir)
      .filter((name) => FILE_PATTERN.test(name))
      .sort();
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT")
      return [];
    throw error;
  }
  for (const name of names)
    decodeSlotRecords(readFileSync(join(dir, name)), columns);
  return toSlotSeries(columns);
}
