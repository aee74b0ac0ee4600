// Which workload kinds a recommendation can be applied to, and why the others cannot.

/** Kinds whose pod template the controller patches (CronJob: the template of its next Job). */
export const APPLICABLE_WORKLOAD_KINDS = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "CronJob",
] as const;
export type ApplicableWorkloadKind = (typeof APPLICABLE_WORKLOAD_KINDS)[number];

export type ApplySupport =
  | { supported: true; kind: ApplicableWorkloadKind }
  | { supported: false; reason: string };

const REFUSALS: Record<string, string> = {
  Job: "a Job's pod template is immutable once the Job exists: set these resources in the Job manifest, or run it from a CronJob that Kubewise can patch",
  ReplicaSet:
    "a ReplicaSet without a Deployment never rolls its template out to running pods: set these resources in its manifest",
  Pod: "a Pod without an owner has no template to patch: set these resources in its manifest",
};

export function isApplicableWorkloadKind(
  kind: string,
): kind is ApplicableWorkloadKind {
  return (APPLICABLE_WORKLOAD_KINDS as readonly string[]).includes(kind);
}

/** Whether Kubewise can apply a recommendation to this kind; otherwise the reason, shown to users. */
export function getApplySupport(kind: string): ApplySupport {
  if (isApplicableWorkloadKind(kind)) return { supported: true, kind };
  return {
    supported: false,
    reason:
      REFUSALS[kind] ??
      `Kubewise applies recommendations to ${APPLICABLE_WORKLOAD_KINDS.join(", ")} only, not to a ${kind}: set these resources in its manifest`,
  };
}

/** Where the pod template sits in the workload object. */
export function podTemplatePath(kind: ApplicableWorkloadKind): string[] {
  return kind === "CronJob"
    ? ["spec", "jobTemplate", "spec", "template"]
    : ["spec", "template"];
}
