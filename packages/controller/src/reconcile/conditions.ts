import type { Condition } from "@kubewise/k8s";

export type ConditionInput = Omit<Condition, "lastTransitionTime">;

/** Upserts a condition; lastTransitionTime changes only when the status flips (Kubernetes convention). */
export function setCondition(
  conditions: Condition[] | undefined,
  input: ConditionInput,
  now: Date,
): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === input.type);
  const lastTransitionTime =
    existing?.status === input.status
      ? existing.lastTransitionTime
      : toRfc3339Seconds(now);
  const next: Condition = { ...input, lastTransitionTime };
  return existing
    ? list.map((c) => (c.type === input.type ? next : c))
    : [...list, next];
}

/** Kubernetes metav1.Time has second precision; matching it keeps repeated reconciles byte-identical. */
export function toRfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
