// Pure rollback and disruption signals computed from API objects (no I/O).
import type { ApplicableWorkloadKind } from "@kubewise/core";

type Terminated = { reason?: string; finishedAt?: Date | string };
type ContainerStatusLike = {
  name: string;
  state?: { terminated?: Terminated; waiting?: { reason?: string } };
  lastState?: { terminated?: Terminated };
};
type PodConditionLike = {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
};
export type PodLike = {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: {
    phase?: string;
    containerStatuses?: ContainerStatusLike[];
    conditions?: PodConditionLike[];
  };
};

/**
 * Pods whose in-place resize the kubelet refused (condition PodResizePending, reason Infeasible:
 * the node can never fit it), with the kubelet's message.
 */
export function findInfeasibleResizes(
  pods: PodLike[],
): { podName: string; message: string }[] {
  return pods.flatMap((pod) =>
    (pod.status?.conditions ?? [])
      .filter((c) => c.type === "PodResizePending" && c.reason === "Infeasible")
      .map((c) => ({
        podName: pod.metadata?.name ?? "",
        message: c.message ?? "",
      })),
  );
}

export type OomKill = {
  podName: string;
  containerName: string;
  finishedAt: Date;
};

function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function oomFinishedAt(
  terminated: Terminated | undefined,
  since: Date,
): Date | undefined {
  const finishedAt = toDate(terminated?.finishedAt);
  return terminated?.reason === "OOMKilled" && finishedAt && finishedAt >= since
    ? finishedAt
    : undefined;
}

/** OOM kills of the given containers that finished at or after `since` (current or last state). */
export function findOomKills(
  pods: PodLike[],
  options: { since: Date; containerNames: string[] },
): OomKill[] {
  return pods.flatMap((pod) =>
    (pod.status?.containerStatuses ?? [])
      .filter((status) => options.containerNames.includes(status.name))
      .flatMap((status) =>
        [status.state?.terminated, status.lastState?.terminated]
          .map((terminated) => oomFinishedAt(terminated, options.since))
          .filter((finishedAt): finishedAt is Date => finishedAt !== undefined)
          .map((finishedAt) => ({
            podName: pod.metadata?.name ?? "",
            containerName: status.name,
            finishedAt,
          })),
      ),
  );
}

export type ThrottlingSample = { baselineRatio: number; currentRatio: number };

/** CPU throttling regression: above baseline + 10 points and above 25 % (CPUThrottlingHigh). */
export function isThrottlingRegression(
  sample: ThrottlingSample | undefined,
): boolean {
  if (!sample) return false;
  return (
    sample.currentRatio > sample.baselineRatio + 0.1 &&
    sample.currentRatio > 0.25
  );
}

export type WindowSignals = {
  sampleCount: number;
  /** Throttled / elapsed CFS periods; undefined when the window has no samples. */
  throttlingRatio?: number | undefined;
  oomKills: number;
  windowSeconds: number;
  /** Highest working set of any pod in the window; undefined without samples. */
  workingSetPeakBytes?: number | undefined;
};

/** Per-container metrics of the workload (all its pods): before the change and in the current step. */
export type RolloutSignals = {
  containers: {
    name: string;
    baseline: WindowSignals;
    observation: WindowSignals;
  }[];
};

/**
 * What the controller knows from the metric store this round: nothing needed (`idle`), the
 * signals it read, or why it could not read them. Never promote without `read`.
 */
export type MetricsView =
  | { status: "idle" }
  | { status: "read"; signals: RolloutSignals }
  | { status: "unreadable"; reason: string };

/** Containers without a sample in the window (unknown to the store, or silent): inconclusive. */
export function findContainersWithoutSamples(
  signals: RolloutSignals,
  containerNames: string[],
  window: "baseline" | "observation" = "observation",
): string[] {
  return containerNames.filter((name) => {
    const found = signals.containers.find((c) => c.name === name);
    return !found || found[window].sampleCount === 0;
  });
}

export type SignalRegression = {
  reason: "OOMKilled" | "CPUThrottling" | "ResizeInfeasible";
  message: string;
};

const round = (ratio: number) => Math.round(ratio * 1000) / 1000;

/**
 * The metrics mix changed and unchanged pods; with a share `s` of pods changed, the changed
 * pods' ratio is estimated as baseline + (observed - baseline) / s (unchanged pods at baseline).
 */
export function estimateChangedRatio(
  baselineRatio: number,
  observedRatio: number,
  share: number,
): number {
  if (share >= 1 || share <= 0) return observedRatio;
  const estimate = baselineRatio + (observedRatio - baselineRatio) / share;
  return Math.min(1, Math.max(0, estimate));
}

function rate(window: WindowSignals): number {
  return window.windowSeconds > 0 ? window.oomKills / window.windowSeconds : 0;
}

/**
 * Rollback signals from the metric store for the changed containers: more OOM kills per second
 * than in the baseline, or a throttling regression of the changed pods (see isThrottlingRegression).
 * A window without samples is inconclusive and never triggers a rollback.
 */
export function findSignalRegression(
  metrics: MetricsView,
  options: { containerNames: string[]; share: number },
): SignalRegression | undefined {
  if (metrics.status !== "read") return undefined;
  const containers = metrics.signals.containers.filter((c) =>
    options.containerNames.includes(c.name),
  );
  for (const { name, baseline, observation } of containers) {
    if (observation.oomKills > 0 && rate(observation) > rate(baseline))
      return {
        reason: "OOMKilled",
        message: `${observation.oomKills} OOM kill(s) of ${name} in ${observation.windowSeconds}s (baseline ${baseline.oomKills} in ${baseline.windowSeconds}s)`,
      };
  }
  for (const { name, baseline, observation } of containers) {
    if (observation.throttlingRatio === undefined) continue;
    const baselineRatio = baseline.throttlingRatio ?? 0;
    const currentRatio = estimateChangedRatio(
      baselineRatio,
      observation.throttlingRatio,
      options.share,
    );
    if (isThrottlingRegression({ baselineRatio, currentRatio }))
      return {
        reason: "CPUThrottling",
        message: `CPU throttling of ${name} ${round(currentRatio)} above baseline ${round(baselineRatio)} (observed ${round(observation.throttlingRatio)} with ${round(options.share)} of pods changed)`,
      };
  }
  return undefined;
}

export type SignalsQuery = {
  namespace: string;
  kind: ApplicableWorkloadKind;
  name: string;
  containerNames: string[];
  changedAt: Date;
  observedFrom: Date;
};

type RolloutStatusLike = {
  phase?: string;
  observedGeneration?: number;
  canary?: { at: string; generation: number; stepStartedAt?: string };
  applied?: { at: string; generation: number };
};

type SpecLike = {
  dryRun: boolean;
  autoApply: boolean;
  approval?: { state: string } | undefined;
};

type SignalsWindow = { changedAt: Date; observedFrom: Date };

/**
 * Which metric windows a reconcile needs: during a rollout the baseline ends when it began and
 * the observation starts with the current step (or the final apply); before an approved change
 * the hour up to now (interlock and working-set floor). Undefined when nothing can happen.
 */
export function toSignalsWindow(
  recommendation: {
    spec: SpecLike;
    status?: RolloutStatusLike | undefined;
    generation: number;
  },
  now: Date,
): SignalsWindow | undefined {
  const { status, generation, spec } = recommendation;
  const canary = ofGeneration(status?.canary, generation);
  if (status?.phase === "Applied")
    return toAppliedWindow(ofGeneration(status.applied, generation), canary);
  if (status?.phase === "Canary" && canary)
    return {
      changedAt: new Date(canary.at),
      observedFrom: new Date(canary.stepStartedAt ?? canary.at),
    };
  return mayStart(spec, status, generation)
    ? { changedAt: now, observedFrom: now }
    : undefined;
}

/** An approved (or auto-applied) spec not yet finished for this generation may start a rollout. */
function mayStart(
  spec: SpecLike,
  status: RolloutStatusLike | undefined,
  generation: number,
): boolean {
  if (spec.dryRun || spec.approval?.state === "Rejected") return false;
  if (spec.approval?.state !== "Approved" && !spec.autoApply) return false;
  const done = ["Verified", "RolledBack", "Failed", "Applied"];
  return !(
    status?.observedGeneration === generation &&
    done.includes(status.phase ?? "")
  );
}

function ofGeneration<T extends { generation: number }>(
  record: T | undefined,
  generation: number,
): T | undefined {
  return record?.generation === generation ? record : undefined;
}

/** After the final apply the baseline still ends where the canary (if any) began. */
function toAppliedWindow(
  applied: { at: string } | undefined,
  canary: { at: string } | undefined,
): SignalsWindow | undefined {
  if (!applied) return undefined;
  return {
    changedAt: new Date(canary?.at ?? applied.at),
    observedFrom: new Date(applied.at),
  };
}

type LabelSelectorRequirement = {
  key: string;
  operator: string;
  values?: string[];
};
export type LabelSelectorLike = {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
};
export type PdbLike = {
  metadata?: { name?: string };
  spec?: { selector?: LabelSelectorLike };
  status?: { disruptionsAllowed?: number };
};

function matchesRequirement(
  req: LabelSelectorRequirement,
  labels: Record<string, string>,
): boolean {
  const value = labels[req.key];
  switch (req.operator) {
    case "In":
      return value !== undefined && (req.values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(req.values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    default:
      return false;
  }
}

/** Kubernetes label-selector semantics; an empty selector matches everything, a missing one nothing. */
export function matchesSelector(
  selector: LabelSelectorLike | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(
    ([k, v]) => labels[k] === v,
  );
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every((req) =>
      matchesRequirement(req, labels),
    )
  );
}

/** PDBs covering the workload's pods that allow no disruption right now (rolling updates ignore PDBs). */
export function findBlockingPdbs(
  pdbs: PdbLike[],
  podLabels: Record<string, string>,
): string[] {
  return pdbs
    .filter((pdb) => matchesSelector(pdb.spec?.selector, podLabels))
    .filter((pdb) => (pdb.status?.disruptionsAllowed ?? 0) <= 0)
    .map((pdb) => pdb.metadata?.name ?? "");
}
