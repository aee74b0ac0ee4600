// Pure rollback and disruption signals computed from API objects (no I/O).

type Terminated = { reason?: string; finishedAt?: Date | string };
type ContainerStatusLike = {
  name: string;
  state?: { terminated?: Terminated };
  lastState?: { terminated?: Terminated };
};
export type PodLike = {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: { containerStatuses?: ContainerStatusLike[] };
};

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
