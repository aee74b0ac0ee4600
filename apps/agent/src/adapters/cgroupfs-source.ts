import { existsSync, readdirSync, type Dirent } from "node:fs";
import { join } from "node:path";

import {
  parseV1Counters,
  parseV2Counters,
  toCounterDeltas,
  V1_FILES,
  V2_FILES,
  type CgroupCounters,
} from "../domain/cgroup-counters";
import {
  parseCgroupIdentity,
  type CgroupIdentity,
} from "../domain/cgroup-identity";
import type {
  ContainerMeta,
  ContainerSample,
  MetricsSource,
  Scrape,
} from "../domain/types";
import { createSyncFileReader } from "./sync-file-reader";

export type CgroupfsSourceOptions = {
  /** Usually /sys/fs/cgroup (or the hostPath mount of it). */
  root: string;
  /** Enriches identity with names and requests (e.g. from the kubelet); defaults to ids only. */
  lookupMeta?: (identity: CgroupIdentity) => ContainerMeta | undefined;
};

type Reading = { counters: CgroupCounters; atMs: number };

function fallbackMeta(identity: CgroupIdentity): ContainerMeta {
  return {
    namespace: "unknown",
    podName: identity.podUid,
    podUid: identity.podUid,
    containerName: identity.containerId.slice(0, 12),
    containerId: identity.containerId,
    workloadKind: "Pod",
    workloadName: identity.podUid,
    cpuRequestMillicores: 0,
    cpuLimitMillicores: 0,
    memoryRequestBytes: 0,
    memoryLimitBytes: 0,
  };
}

type IdentityCache = Map<string, CgroupIdentity | null>;

function listDirectory(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT")
      return [];
    throw error;
  }
}

/**
 * Relative paths (below `base`) of every Kubernetes container cgroup. `known` (the `seen` of the
 * previous scrape) saves re-parsing paths; `seen` receives every directory visited.
 */
function findContainerCgroups(
  base: string,
  cache: { known?: IdentityCache; seen?: IdentityCache } = {},
): string[] {
  const found: string[] = [];
  const seen = cache.seen ?? new Map<string, CgroupIdentity | null>();
  const identityOf = (path: string) => {
    let identity = cache.known?.get(path);
    if (identity === undefined) identity = parseCgroupIdentity(path) ?? null;
    seen.set(path, identity);
    return identity;
  };
  const walk = (relative: string, depth: number): void => {
    for (const entry of listDirectory(
      relative === "" ? base : `${base}/${relative}`,
    )) {
      if (!entry.isDirectory()) continue;
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (depth === 0 && !entry.name.startsWith("kubepods")) continue;
      if (identityOf(child) !== null) found.push(child);
      else if (depth < 4) walk(child, depth + 1);
    }
  };
  walk("", 0);
  return found;
}

type Tracked = {
  identity: CgroupIdentity;
  /** Absolute file paths, built once per container (in FILE_NAMES order). */
  paths: string[];
  meta: ContainerMeta;
  previous: Reading | undefined;
};

export function createCgroupfsSource(
  options: CgroupfsSourceOptions,
): MetricsSource {
  const reader = createSyncFileReader();
  const isV2 = existsSync(join(options.root, "cgroup.controllers"));
  const listBase = isV2 ? options.root : join(options.root, "memory");
  const fileNames: readonly string[] = isV2
    ? V2_FILES
    : V1_FILES.map(([, name]) => name);
  const pathsOf = (relative: string) =>
    isV2
      ? V2_FILES.map((name) => `${options.root}/${relative}/${name}`)
      : V1_FILES.map(
          ([controller, name]) =>
            `${options.root}/${controller}/${relative}/${name}`,
        );
  let identities: IdentityCache = new Map();
  const tracked = new Map<string, Tracked>();
  // One record reused for every container: parse reads it synchronously and keeps nothing.
  const files: Record<string, string | undefined> = {};

  const readCounters = (paths: readonly string[]) => {
    for (let i = 0; i < paths.length; i++)
      files[fileNames[i] ?? ""] = reader.read(paths[i] ?? "");
    return isV2 ? parseV2Counters(files) : parseV1Counters(files);
  };
  const track = (relative: string, identity: CgroupIdentity): Tracked => {
    let entry = tracked.get(relative);
    if (entry === undefined) {
      entry = {
        identity,
        paths: pathsOf(relative),
        meta: fallbackMeta(identity),
        previous: undefined,
      };
      tracked.set(relative, entry);
    }
    return entry;
  };
  const untrack = (relative: string, entry: Tracked) => {
    for (const path of entry.paths) reader.forget(path);
    tracked.delete(relative);
  };

  /** Undefined when unreadable, or on first sight (a rate needs two readings). */
  const sampleOf = (
    entry: Tracked,
    nowMs: number,
  ): ContainerSample | undefined => {
    const parsed = readCounters(entry.paths);
    if (!parsed.ok) return undefined;
    const before = entry.previous;
    entry.previous = { counters: parsed.value, atMs: nowMs };
    if (before === undefined || nowMs <= before.atMs) return undefined;
    const deltas = toCounterDeltas(
      before.counters,
      parsed.value,
      (nowMs - before.atMs) / 1000,
    );
    const meta = options.lookupMeta?.(entry.identity) ?? entry.meta;
    return { meta, timestampMs: nowMs, ...deltas };
  };

  return {
    kind: "cgroupfs",
    collect(nowMs): Promise<Scrape> {
      const samples: ContainerSample[] = [];
      const seen = new Set<string>();
      let skipped = 0;
      const known = identities;
      identities = new Map();
      for (const relative of findContainerCgroups(listBase, {
        known,
        seen: identities,
      })) {
        const identity = identities.get(relative);
        if (identity === undefined || identity === null) continue;
        seen.add(relative);
        const sample = sampleOf(track(relative, identity), nowMs);
        if (sample === undefined) skipped++;
        else samples.push(sample);
      }
      for (const [relative, entry] of tracked)
        if (!seen.has(relative)) untrack(relative, entry);
      return Promise.resolve({ samples, skipped });
    },
  };
}
