import { setTimeout as sleep } from "node:timers/promises";

import { fullJitterDelayMs, type BackoffPolicy } from "../../domain/backoff";
import {
  isIntermediateOwner,
  podOwner,
  toContainerMeta,
  toPodEntry,
  workloadOf,
  type OwnerReference,
  type PodEntry,
  type PodObject,
  type Workload,
} from "../../domain/pod-metadata";
import type { ContainerMeta } from "../../domain/types";
import type { PodMetadataConfig } from "../../env";
import { inClusterAccess, loadKubeconfigAccess } from "./kube-access";
import {
  createKubeReader,
  KubeApiError,
  type KubeReader,
  type WatchEvent,
} from "./kube-http";

export type PodMetadataWatcherOptions = {
  reader: KubeReader;
  nodeName: string;
  logger: {
    info: (fields: object, message: string) => void;
    warn: (fields: object, message: string) => void;
  };
  /** Pods kept at most (a node runs ~110 by default); more are counted and ignored. */
  maxPods?: number;
  ownerCacheTtlMs?: number;
  requestTimeoutMs?: number;
  backoff?: BackoffPolicy;
  now?: () => number;
};

export type PodMetadataWatcher = {
  /** By pod UID plus the runtime container id (cgroupfs) or, when that is empty, the container name. */
  lookup: (identity: {
    podUid: string;
    containerId: string;
    containerName?: string;
  }) => ContainerMeta | undefined;
  /** Resolves after the first complete list of this node's pods. */
  synced: () => Promise<void>;
  stats: () => {
    pods: number;
    relists: number;
    watchErrors: number;
    ignoredPods: number;
  };
  stop: () => Promise<void>;
};

type PodList = {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: PodObject[];
};
type OwnedObject = { metadata?: { ownerReferences?: OwnerReference[] } };

const OWNER_PATHS = {
  ReplicaSet: "/apis/apps/v1/namespaces/%ns/replicasets/%name",
  Job: "/apis/batch/v1/namespaces/%ns/jobs/%name",
} as const;
const MAX_OWNER_CACHE = 512;

function resourceVersionOf(object: unknown): string | undefined {
  const rv = (object as { metadata?: { resourceVersion?: unknown } } | null)
    ?.metadata?.resourceVersion;
  return typeof rv === "string" ? rv : undefined;
}

/** list + watch of `spec.nodeName=<node>` pods, keeping a compact entry per pod (see PodEntry). */
export function startPodMetadataWatcher(
  options: PodMetadataWatcherOptions,
): PodMetadataWatcher {
  const { reader, logger } = options;
  const maxPods = options.maxPods ?? 1_000;
  const ttlMs = options.ownerCacheTtlMs ?? 600_000;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const backoff = options.backoff ?? { initialMs: 1_000, maxMs: 30_000 };
  const now = options.now ?? Date.now;
  const selector = encodeURIComponent(`spec.nodeName=${options.nodeName}`);
  const abort = new AbortController();
  const owners = new Map<string, { workload: Workload; expiresAtMs: number }>();
  let pods = new Map<string, PodEntry>();
  let resourceVersion = "";
  const counters = { relists: 0, watchErrors: 0, ignoredPods: 0 };
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  const resolveWorkload = async (pod: PodObject): Promise<Workload> => {
    const owner = podOwner(pod);
    const namespace = pod.metadata?.namespace ?? "";
    if (!isIntermediateOwner(owner)) return owner;
    const key = `${owner.kind}/${namespace}/${owner.name}`;
    const cached = owners.get(key);
    if (cached !== undefined && cached.expiresAtMs > now())
      return cached.workload;
    const path = OWNER_PATHS[owner.kind]
      .replace("%ns", encodeURIComponent(namespace))
      .replace("%name", encodeURIComponent(owner.name));
    try {
      const object = (await reader.getJson(path, timeoutMs)) as OwnedObject;
      const workload = workloadOf(owner, object.metadata?.ownerReferences);
      owners.delete(key);
      owners.set(key, { workload, expiresAtMs: now() + ttlMs });
      if (owners.size > MAX_OWNER_CACHE)
        owners.delete(owners.keys().next().value ?? key);
      return workload;
    } catch (error) {
      // Not cached: the next event for this pod (or the next relist) asks again.
      logger.warn({ err: error, owner: key }, "cannot resolve pod owner");
      return owner;
    }
  };

  const toEntry = async (pod: PodObject) =>
    toPodEntry(pod, await resolveWorkload(pod));

  const upsert = (target: Map<string, PodEntry>, entry: PodEntry) => {
    if (!target.has(entry.podUid) && target.size >= maxPods) {
      counters.ignoredPods += 1;
      return;
    }
    target.set(entry.podUid, entry);
  };

  const relist = async () => {
    counters.relists += 1;
    const next = new Map<string, PodEntry>();
    let cont = "";
    let listVersion = "";
    do {
      const page = (await reader.getJson(
        `/api/v1/pods?fieldSelector=${selector}&limit=250${cont === "" ? "" : `&continue=${encodeURIComponent(cont)}`}`,
        timeoutMs,
      )) as PodList;
      for (const pod of page.items ?? []) {
        const entry = await toEntry(pod);
        if (entry !== undefined) upsert(next, entry);
      }
      cont = page.metadata?.continue ?? "";
      listVersion = page.metadata?.resourceVersion ?? listVersion;
    } while (cont !== "");
    pods = next;
    resourceVersion = listVersion;
    markSynced();
    logger.info({ pods: pods.size, resourceVersion }, "pod metadata listed");
  };

  const apply = async (event: WatchEvent) => {
    const pod = event.object as PodObject;
    if (event.type === "ADDED" || event.type === "MODIFIED") {
      const entry = await toEntry(pod);
      if (entry !== undefined) upsert(pods, entry);
    } else if (event.type === "DELETED" && pod.metadata?.uid !== undefined) {
      pods.delete(pod.metadata.uid);
    }
    resourceVersion = resourceVersionOf(event.object) ?? resourceVersion;
  };

  const watchOnce = async () => {
    let chain = Promise.resolve();
    await reader.watch(
      `/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=300&fieldSelector=${selector}&resourceVersion=${encodeURIComponent(resourceVersion)}`,
      (event) => {
        if (event.type === "ERROR") {
          const status = event.object as { code?: number; message?: string };
          throw new KubeApiError(status.code ?? 500, status.message ?? "");
        }
        chain = chain.then(() => apply(event));
      },
      abort.signal,
    );
    await chain;
  };

  const run = async () => {
    let attempt = 0;
    while (!abort.signal.aborted) {
      try {
        if (resourceVersion === "") await relist();
        await watchOnce();
        attempt = 0;
      } catch (error) {
        if (abort.signal.aborted) return;
        if (error instanceof KubeApiError && error.statusCode === 410) {
          resourceVersion = "";
          continue;
        }
        counters.watchErrors += 1;
        const delayMs = fullJitterDelayMs(backoff, attempt++, Math.random);
        logger.warn({ err: error, delayMs }, "pod metadata watch failed");
        await sleep(delayMs, undefined, { signal: abort.signal }).catch(
          () => undefined,
        );
      }
    }
  };
  const running = run();

  return {
    lookup: ({ podUid, containerId, containerName = "" }) => {
      const entry = pods.get(podUid);
      if (entry === undefined) return undefined;
      return toContainerMeta(
        entry,
        containerId === "" ? { containerName } : { containerId },
      );
    },
    synced: () => synced,
    stats: () => ({ pods: pods.size, ...counters }),
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}

/** Connects with in-cluster config or a kubeconfig, then starts the watcher. */
export async function startPodMetadataFromConfig(
  config: PodMetadataConfig,
  options: Omit<PodMetadataWatcherOptions, "reader">,
): Promise<PodMetadataWatcher> {
  const access =
    config.kind === "kubeconfig"
      ? await loadKubeconfigAccess(config.path)
      : inClusterAccess(config);
  return startPodMetadataWatcher({
    ...options,
    reader: createKubeReader(access),
  });
}
