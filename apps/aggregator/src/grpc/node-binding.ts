// An agent speaks only for its own node: every pod in a batch must be one the API server has
// scheduled there (namespace, name and UID as the aggregator's pod watch sees them).
import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";

import type { PodPlace } from "@kubewise/controller";

import type { AggregatorMetrics } from "../metrics";

/** Port: the pod list the aggregator watches (an informer in a cluster). */
export type PodPlacement = {
  /** False until the first full list has arrived: nothing can be judged before it. */
  synced: () => boolean;
  /** A scheduled pod by UID; a deleted one stays known for a while (agents replay their buffers). */
  podByUid: (uid: string) => PodPlace | undefined;
};

type BatchPod = {
  namespace: string;
  podName: string;
  podUid: string;
  /** The workload the batch attributes the pod to; empty: the pod itself. */
  workloadKind?: string;
  workloadName?: string;
};

export type NodeBindingVerdict =
  | { ok: true }
  | { ok: false; code: "unavailable"; reason: string }
  | {
      ok: false;
      code: "permission_denied";
      reason: string;
      /** The refused pods, as `namespace/name`, one entry per pod. */
      foreign: string[];
      /** Of those, the pods of this node attributed to a workload that does not own them. */
      spoofed: string[];
    };

const SHOWN = 3;

/**
 * The batch names the pod the UID belongs to, or is the agent's fallback for a pod whose metadata
 * it could not read yet (namespace "unknown", the UID as its name: attributed to no real workload).
 */
function namesPod(pod: BatchPod, place: PodPlace): boolean {
  if (pod.namespace === "unknown" && pod.podName === pod.podUid) return true;
  return place.namespace === pod.namespace && place.name === pod.podName;
}

const digits = /^\d+$/;

/**
 * The batch attributes the pod to the pod itself, or to the workload that controls it: its owner,
 * the Deployment of its ReplicaSet (`<deployment>-<pod-template-hash>`), the CronJob of its Job
 * (`<cronjob>-<scheduled minute>`). Anything else would let a node's agent write samples, with
 * requests of its choosing, under another workload of the namespace.
 */
function claimsOwnWorkload(pod: BatchPod, place: PodPlace): boolean {
  const kind = (pod.workloadKind ?? "") || "Pod";
  const name = (pod.workloadName ?? "") || pod.podName;
  if (kind === "Pod") return name === pod.podName;
  const { owner } = place;
  if (owner === undefined) return false;
  if (kind === owner.kind && name === owner.name) return true;
  return isParentOf({ kind, name }, owner, place.templateHash);
}

/** The Deployment above a ReplicaSet, the CronJob above a Job, judged by their names. */
function isParentOf(
  claimed: { kind: string; name: string },
  owner: { kind: string; name: string },
  templateHash: string | undefined,
): boolean {
  const { kind, name } = claimed;
  if (owner.kind === "ReplicaSet" && kind === "Deployment")
    return (
      templateHash !== undefined && owner.name === `${name}-${templateHash}`
    );
  if (owner.kind === "Job" && kind === "CronJob")
    return (
      owner.name.startsWith(`${name}-`) &&
      digits.test(owner.name.slice(name.length + 1))
    );
  return false;
}

/** Why a pod of the batch is refused, or undefined when the batch may report it. */
function judgePod(
  pod: BatchPod,
  nodeName: string,
  placement: PodPlacement,
): { text: string; spoofed: boolean } | undefined {
  const key = `${pod.namespace}/${pod.podName}`;
  const place = placement.podByUid(pod.podUid);
  if (place === undefined)
    return { text: `${key} (unknown pod)`, spoofed: false };
  if (!namesPod(pod, place))
    return {
      text: `${key} (uid ${pod.podUid} is ${place.namespace}/${place.name})`,
      spoofed: false,
    };
  if (place.nodeName !== nodeName)
    return { text: `${key} (on node ${place.nodeName})`, spoofed: false };
  if (!claimsOwnWorkload(pod, place))
    return {
      text: `${key} (not a pod of ${pod.workloadKind}/${pod.workloadName}${place.owner ? `: ${place.owner.kind}/${place.owner.name} controls it` : ""})`,
      spoofed: true,
    };
  return undefined;
}

/**
 * Judges whether every pod of a batch runs on `nodeName` and is attributed to its own workload;
 * unknown pods are refused too.
 */
export function checkPodsOnNode(
  pods: readonly BatchPod[],
  nodeName: string,
  placement: PodPlacement,
): NodeBindingVerdict {
  if (!placement.synced())
    return {
      ok: false,
      code: "unavailable",
      reason: "the aggregator has not listed the cluster's pods yet",
    };
  const foreign = new Map<string, { text: string; spoofed: boolean }>();
  for (const pod of pods) {
    const key = `${pod.namespace}/${pod.podName}`;
    if (foreign.has(key)) continue;
    const refused = judgePod(pod, nodeName, placement);
    if (refused) foreign.set(key, refused);
  }
  if (foreign.size === 0) return { ok: true };
  const shown = [...foreign.values()]
    .slice(0, SHOWN)
    .map((f) => f.text)
    .join(", ");
  const more = foreign.size > SHOWN ? ` and ${foreign.size - SHOWN} more` : "";
  return {
    ok: false,
    code: "permission_denied",
    reason: `an agent of node ${nodeName} may report only pods scheduled on it, not ${shown}${more}`,
    foreign: [...foreign.keys()],
    spoofed: [...foreign].filter(([, f]) => f.spoofed).map(([key]) => key),
  };
}

export type NodeBindingRefusal = { code: status; details: string };

/**
 * A node-bound token may send batches of its node only. With a pod watch, a batch's pods must be scheduled on the node its token is bound to, and a token
 * bound to no node may not stream; every refusal is counted. Without one, nothing is checked.
 */
export function createNodeBindingGuard(options: {
  podPlacement?: PodPlacement | undefined;
  metrics: AggregatorMetrics;
  logger: Logger;
}): (
  batch: { agentId: string; nodeName: string; containers: readonly BatchPod[] },
  boundNode: string | undefined,
) => NodeBindingRefusal | undefined {
  const { podPlacement: placement, metrics, logger } = options;
  return (batch, boundNode) => {
    if (boundNode !== undefined && batch.nodeName !== boundNode)
      return {
        code: status.PERMISSION_DENIED,
        details: `token is bound to node ${boundNode}, not ${batch.nodeName}`,
      };
    if (placement === undefined) return undefined;
    if (boundNode === undefined) {
      metrics.foreignPodsRefused.inc({ reason: "unbound_token" });
      return {
        code: status.PERMISSION_DENIED,
        details:
          "this aggregator checks pods against their node: stream with a token bound to the agent's pod",
      };
    }
    const verdict = checkPodsOnNode(batch.containers, boundNode, placement);
    if (verdict.ok) return undefined;
    if (verdict.code === "unavailable")
      return { code: status.UNAVAILABLE, details: verdict.reason };
    const elsewhere = verdict.foreign.length - verdict.spoofed.length;
    if (elsewhere > 0)
      metrics.foreignPodsRefused.inc({ reason: "foreign_pod" }, elsewhere);
    if (verdict.spoofed.length > 0)
      metrics.foreignPodsRefused.inc(
        { reason: "foreign_workload" },
        verdict.spoofed.length,
      );
    logger.warn(
      { agentId: batch.agentId, node: boundNode, pods: verdict.foreign },
      "batch refused: pods not scheduled on the agent's node",
    );
    return { code: status.PERMISSION_DENIED, details: verdict.reason };
  };
}
