// When a fresh recommendation replaces the open one: only for a material change (a threshold per
// resource, with hysteresis: a decrease must save more than an increase must add), a policy change,
// or a confidence that crosses the namespace's auto-apply threshold. Otherwise the open one stays, so
// an approval is not churned by the next pass and a rejected recommendation does not come back unchanged.
import type { RecommendationValues } from "./to-resources";

type Values = Required<
  Pick<
    RecommendationValues,
    | "cpuRequestMillicores"
    | "cpuLimitMillicores"
    | "memoryRequestBytes"
    | "memoryLimitBytes"
    | "confidence"
  >
>;

/** Relative change that counts, up / down, and the least absolute change, per resource. */
const MATERIALITY = {
  cpu: { up: 0.15, down: 0.25, minMillicores: 20 },
  memory: { up: 0.1, down: 0.2, minBytes: 32 * 1024 * 1024 },
} as const;

const MIB = 1024 * 1024;

function formatValue(kind: "cpu" | "memory", v: number | null): string {
  if (v === null) return "none";
  return kind === "cpu" ? `${v}m` : `${(v / MIB).toFixed(0)} MiB`;
}

function moved(
  kind: "cpu" | "memory",
  from: number | null,
  to: number | null,
): boolean {
  if (from === null || to === null) return from !== to;
  const rule = MATERIALITY[kind];
  const least =
    kind === "cpu"
      ? MATERIALITY.cpu.minMillicores
      : MATERIALITY.memory.minBytes;
  if (Math.abs(to - from) < least) return false;
  if (from === 0) return to !== 0;
  const change = (to - from) / from;
  return change >= rule.up || change <= -rule.down;
}

/** What changed materially between two recommendations, in words (empty: nothing material). */
export function materialChanges(previous: Values, next: Values): string[] {
  const fields = [
    [
      "CPU request",
      "cpu",
      previous.cpuRequestMillicores,
      next.cpuRequestMillicores,
    ],
    ["CPU limit", "cpu", previous.cpuLimitMillicores, next.cpuLimitMillicores],
    [
      "memory request",
      "memory",
      previous.memoryRequestBytes,
      next.memoryRequestBytes,
    ],
    [
      "memory limit",
      "memory",
      previous.memoryLimitBytes,
      next.memoryLimitBytes,
    ],
  ] as const;
  return fields.flatMap(([label, kind, from, to]) =>
    moved(kind, from, to)
      ? [`${label} ${formatValue(kind, from)} -> ${formatValue(kind, to)}`]
      : [],
  );
}

/** Whether `next` should replace (or queue after) `previous`, and why. */
export function supersedeDecision(input: {
  previous: Values & { policy: string };
  next: Values & { policy: string };
  autoApplyMinConfidence: number | null;
}): { replace: boolean; reason: string } {
  const { previous, next, autoApplyMinConfidence: t } = input;
  if (previous.policy !== next.policy)
    return {
      replace: true,
      reason: `policy ${previous.policy} -> ${next.policy}`,
    };
  const changes = materialChanges(previous, next);
  if (changes.length > 0) return { replace: true, reason: changes.join("; ") };
  if (t !== null && previous.confidence < t !== next.confidence < t)
    return {
      replace: true,
      reason: `confidence ${(100 * previous.confidence).toFixed(1)} % -> ${(100 * next.confidence).toFixed(1)} % crosses the auto-apply threshold ${(100 * t).toFixed(0)} %`,
    };
  return { replace: false, reason: "no material change" };
}
