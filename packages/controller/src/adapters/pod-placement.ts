import {
  CoreV1Api,
  makeInformer,
  type KubeConfig,
  type V1Pod,
} from "@kubernetes/client-node";

/** Where a pod is scheduled, and what controls it, as the watch last saw it. */
export type PodPlace = {
  namespace: string;
  name: string;
  nodeName: string;
  /** The controlling owner reference (a Node for static pods is none). */
  owner?: { kind: string; name: string };
  /** Label pod-template-hash: a Deployment's ReplicaSet is named `<deployment>-<hash>`. */
  templateHash?: string;
};

export type WatchedPodPlacement = {
  /** False until the first full list has arrived. */
  synced: () => boolean;
  /** A scheduled pod by UID (a deleted one for `retainDeletedMs` more). */
  podByUid: (uid: string) => PodPlace | undefined;
  stop: () => Promise<void>;
};

export type PodPlacementOptions = {
  /** Told when the list or watch fails; it is started again after `restartDelayMs`. */
  onError: (error: unknown, restartInMs: number) => void;
  /**
   * How long a deleted pod stays known: agents replay buffered batches after an outage, and their
   * pods may be gone by then (default 24 h).
   */
  retainDeletedMs?: number;
  /** Pause before a failed list or watch is started again (default 5 s). */
  restartDelayMs?: number;
  now?: () => number;
};

type Entry = PodPlace & { deletedAtMs?: number };

const MIRROR = "kubernetes.io/config.mirror";

/** A static pod runs under the kubelet's own UID, which its API mirror carries in an annotation. */
function uidsOf(pod: V1Pod): string[] {
  const uid = pod.metadata?.uid;
  const mirror = pod.metadata?.annotations?.[MIRROR];
  return [uid, mirror].filter((u): u is string => u !== undefined && u !== "");
}

/** The pod's controlling owner (none for static pods, owned by their Node) and template hash. */
function controllerOf(pod: V1Pod): Pick<PodPlace, "owner" | "templateHash"> {
  const refs = pod.metadata?.ownerReferences ?? [];
  const owner = refs.find((r) => r.controller === true) ?? refs[0];
  const templateHash = pod.metadata?.labels?.["pod-template-hash"];
  return {
    ...(owner && owner.kind !== "Node"
      ? { owner: { kind: owner.kind, name: owner.name } }
      : {}),
    ...(templateHash ? { templateHash } : {}),
  };
}

/**
 * Watches every pod of the cluster (list + watch, client-go style) and answers where a pod UID is
 * scheduled. Unscheduled pods are not placed anywhere; deleted pods are kept for `retainDeletedMs`.
 */
export function watchPodPlacement(
  kubeConfig: KubeConfig,
  options: PodPlacementOptions,
): WatchedPodPlacement {
  const now = options.now ?? Date.now;
  const retainDeletedMs = options.retainDeletedMs ?? 24 * 3_600_000;
  const restartDelayMs = options.restartDelayMs ?? 5_000;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const pods = new Map<string, Entry>();
  let listed = false;
  let stopped = false;
  let restart: NodeJS.Timeout | undefined;

  const informer = makeInformer<V1Pod>(kubeConfig, "/api/v1/pods", async () => {
    const list = await core.listPodForAllNamespaces();
    // the informer adds the items right after this resolves, before any batch can be judged
    listed = true;
    return list;
  });
  const place = (pod: V1Pod) => {
    const nodeName = pod.spec?.nodeName;
    if (nodeName === undefined || nodeName === "") return;
    const entry: Entry = {
      namespace: pod.metadata?.namespace ?? "",
      name: pod.metadata?.name ?? "",
      nodeName,
      ...controllerOf(pod),
    };
    for (const uid of uidsOf(pod)) pods.set(uid, entry);
  };
  const forget = (pod: V1Pod) => {
    for (const uid of uidsOf(pod)) {
      const entry = pods.get(uid);
      if (entry !== undefined) entry.deletedAtMs = now();
    }
  };
  const prune = () => {
    const cutoff = now() - retainDeletedMs;
    for (const [uid, entry] of pods)
      if (entry.deletedAtMs !== undefined && entry.deletedAtMs < cutoff)
        pods.delete(uid);
  };
  informer.on("add", place);
  informer.on("update", place);
  informer.on("delete", forget);
  const scheduleRestart = (error: unknown) => {
    if (stopped || restart !== undefined) return;
    options.onError(error, restartDelayMs);
    restart = setTimeout(() => {
      restart = undefined;
      void start();
    }, restartDelayMs);
  };
  informer.on("error", scheduleRestart);
  const start = async () => {
    prune();
    await informer.start().catch(scheduleRestart);
  };
  void start();
  return {
    synced: () => listed,
    podByUid: (uid) => pods.get(uid),
    stop: async () => {
      stopped = true;
      clearTimeout(restart);
      await informer.stop();
    },
  };
}
