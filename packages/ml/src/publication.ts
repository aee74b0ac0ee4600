// When a fresh recommendation replaces the published one: the one rule the product (services: a new
// version supersedes the open recommendation) and the walk-forward harness (what the user sees is
// scored) share. The CPU request moves when keeping the published one costs materially more than the
// fresh one in the CPU choice's own objective over the last days (slack over p95 + priced exceedance:
// `cpuRegret`), where the recommender can say; otherwise on a relative change per value, with
// hysteresis (a decrease must save more than an increase must add); either way only by a least
// absolute change in real units. Memory moves when keeping the
// published values costs materially more than the fresh ones in the recommender's own objective
// (relative slack + priced risk: `memoryRegret`), where the recommender can say; by relative change
// otherwise. Safety first: the published values holding materially less often than the fresh ones
// publishes too, and so does a confidence that crosses the namespace's auto-apply threshold.
import type { Recommendation, ResourceValues } from "./recommender";

export type PublicationRule = {
  /**
   * Relative change that counts upwards / downwards, and the least absolute change (real units).
   * `regret`: least extra cost of keeping the published CPU request (units of relative slack);
   * `regretDown` (default `regret`): the same for a decrease, so the hysteresis can differ by direction.
   */
  cpu: {
    up: number;
    down: number;
    minCores: number;
    regret: number;
    regretDown?: number;
  };
  /**
   * `regret`: least extra cost of keeping the published memory values (units of relative slack)
   * when the fresh ones are higher; `regretDown` (default `regret`) when they are lower.
   */
  memory: {
    up: number;
    down: number;
    minBytes: number;
    regret: number;
    regretDown?: number;
  };
  /** Publish when the published values' confidence today is this much below the fresh one's. */
  confidenceDrop: number;
};

/** Tuned on the dev traces (bench:frontier, docs/adr/0008): changes/day against slack at equal safety. */
export const PUBLICATION_RULE: PublicationRule = {
  cpu: { up: 0.3, down: 0.4, minCores: 0.02, regret: 0.1 },
  // An increase waits for a regret of 0.3, a decrease is published at 0.12 (ADR 0004, session 5:
  // on all 170 dev series 0.110 changes/day and 14 of 66 memory baseline points above Kubewise's
  // frontier, against 0.102 and 25 with one threshold of 0.15). Safety does not wait on it: a
  // 5-point confidence drop publishes an increase whatever its regret.
  memory: {
    up: 0.1,
    down: 0.2,
    minBytes: 32 * 1024 * 1024,
    regret: 0.3,
    regretDown: 0.12,
  },
  confidenceDrop: 0.05,
};

/** What the rule reads of a recommendation (the fields the product stores and patches). */
export type Publishable = {
  base: ResourceValues;
  windows: { name: string; cpuRequestCores: number; memRequestBytes: number }[];
  confidence: number | null;
};

export function toPublishable(rec: Recommendation): Publishable {
  return {
    base: rec.base,
    windows: rec.windows.map((w) => ({
      name: w.window.name,
      cpuRequestCores: w.values.cpuRequestCores,
      memRequestBytes: w.values.memRequestBytes,
    })),
    confidence: rec.confidence,
  };
}

export type PublicationInput = {
  published: Publishable | null;
  fresh: Publishable;
  /** The published values' confidence under today's evidence (null: not restated). */
  publishedConfidenceNow?: number | null;
  /** What keeping the published memory values costs today over the fresh ones (null: unknown). */
  memoryRegret?: number | null;
  /** What keeping the published CPU request costs over the fresh one (null: unknown). */
  cpuRegret?: number | null;
  /** The namespace's auto-apply threshold, when auto-apply is on. */
  autoApplyMinConfidence?: number | null;
  unitSystem?: "real" | "normalized";
  rule?: PublicationRule;
};

export type PublicationDecision = {
  publish: boolean;
  /** What changed, in words (empty when nothing did). */
  changes: string[];
  reason: string;
};

const MIB = 1024 * 1024;

type Kind = "cpu" | "memory";

type Judge = {
  rule: PublicationRule;
  real: boolean;
  /** Memory's regret: null judges memory by relative change; a value moves it when it pays. */
  memoryRegret: number | null;
  /** The CPU request's regret, likewise. */
  cpuRegret: number | null;
};

/** Whether a regret pays for moving from `from` to `to` (the threshold depends on the direction). */
function pays(
  regret: number,
  pair: { from: number; to: number },
  r: { regret: number; regretDown?: number },
): boolean {
  if (pair.to === pair.from) return false;
  const least = pair.to < pair.from ? (r.regretDown ?? r.regret) : r.regret;
  return regret > least;
}

function formatValue(kind: Kind, v: number | null): string {
  if (v === null) return "none";
  return kind === "cpu"
    ? `${Math.ceil(v * 1000)}m`
    : `${Math.ceil(v / MIB)} MiB`;
}

function moved(
  kind: Kind,
  pair: { from: number | null; to: number | null; isLimit: boolean },
  at: Judge,
): boolean {
  const { from, to, isLimit } = pair;
  if (from === null || to === null) return from !== to;
  const least = kind === "cpu" ? at.rule.cpu.minCores : at.rule.memory.minBytes;
  if (at.real && Math.abs(to - from) < least) return false;
  if (kind === "memory" && at.memoryRegret !== null)
    return pays(at.memoryRegret, { from, to }, at.rule.memory);
  // The regret is the CPU request's; a CPU limit stays judged by relative change.
  if (kind === "cpu" && !isLimit && at.cpuRegret !== null)
    return pays(at.cpuRegret, { from, to }, at.rule.cpu);
  if (from === 0) return to !== 0;
  const change = (to - from) / from;
  const r = at.rule[kind];
  return change >= r.up || change <= -r.down;
}

type Values = Partial<ResourceValues>;
type Field = [
  label: string,
  kind: Kind,
  pick: (v: Values) => number | null | undefined,
];

const FIELDS: Field[] = [
  ["CPU request", "cpu", (v) => v.cpuRequestCores],
  ["CPU limit", "cpu", (v) => v.cpuLimitCores],
  ["memory request", "memory", (v) => v.memRequestBytes],
  ["memory limit", "memory", (v) => v.memLimitBytes],
];

function valueChanges(
  prefix: string,
  pair: { from: Values; to: Values },
  at: Judge,
): string[] {
  return FIELDS.flatMap(([label, kind, pick]) => {
    const from = pick(pair.from);
    const to = pick(pair.to);
    if (from === undefined || to === undefined) return [];
    return moved(kind, { from, to, isLimit: label.endsWith("limit") }, at)
      ? [
          `${prefix}${label} ${formatValue(kind, from)} -> ${formatValue(kind, to)}`,
        ]
      : [];
  });
}

/** The values in force in a named window (the base values where the recommendation has none). */
function inWindow(p: Publishable, name: string): Values {
  const w = p.windows.find((x) => x.name === name);
  return w
    ? { cpuRequestCores: w.cpuRequestCores, memRequestBytes: w.memRequestBytes }
    : {
        cpuRequestCores: p.base.cpuRequestCores,
        memRequestBytes: p.base.memRequestBytes,
      };
}

/** What changed materially between two recommendations, in words (empty: nothing material). */
export function materialChanges(
  published: Publishable,
  fresh: Publishable,
  options: {
    unitSystem?: "real" | "normalized";
    rule?: PublicationRule;
    memoryRegret?: number | null;
    cpuRegret?: number | null;
  } = {},
): string[] {
  const rule = options.rule ?? PUBLICATION_RULE;
  const at: Judge = {
    rule,
    real: (options.unitSystem ?? "real") === "real",
    memoryRegret: options.memoryRegret ?? null,
    cpuRegret: options.cpuRegret ?? null,
  };
  const changes = valueChanges(
    "",
    { from: published.base, to: fresh.base },
    at,
  );
  // Windows by name: a window that appears or goes is compared with the base values it replaces.
  const names = [
    ...new Set([...published.windows, ...fresh.windows].map((w) => w.name)),
  ];
  for (const name of names)
    changes.push(
      ...valueChanges(
        `${name}: `,
        { from: inWindow(published, name), to: inWindow(fresh, name) },
        at,
      ),
    );
  return changes;
}

const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;

/** Safety first: the published values now hold materially less often than the fresh ones would. */
function confidenceDropReason(
  now: number | null,
  fresh: number | null,
  rule: PublicationRule,
): string | null {
  return now !== null && fresh !== null && fresh - now > rule.confidenceDrop
    ? `the published values now hold with ${pct(now)}, the fresh ones with ${pct(fresh)}`
    : null;
}

/** The confidence moves across the namespace's auto-apply threshold (either way). */
function thresholdReason(
  before: number | null,
  fresh: number | null,
  threshold: number | null,
): string | null {
  if (threshold === null || before === null || fresh === null) return null;
  return before < threshold !== fresh < threshold
    ? `confidence ${pct(before)} -> ${pct(fresh)} crosses the auto-apply threshold ${(100 * threshold).toFixed(0)} %`
    : null;
}

/** Whether `fresh` should be published in place of (or queued after) `published`, and why. */
export function decidePublication(
  input: PublicationInput,
): PublicationDecision {
  const { published, fresh } = input;
  if (published === null)
    return { publish: true, changes: [], reason: "first recommendation" };
  const changes = materialChanges(published, fresh, input);
  if (changes.length > 0)
    return { publish: true, changes, reason: changes.join("; ") };
  const now = input.publishedConfidenceNow ?? null;
  const reason =
    confidenceDropReason(
      now,
      fresh.confidence,
      input.rule ?? PUBLICATION_RULE,
    ) ??
    thresholdReason(
      now ?? published.confidence,
      fresh.confidence,
      input.autoApplyMinConfidence ?? null,
    );
  return reason === null
    ? { publish: false, changes, reason: "no material change" }
    : { publish: true, changes, reason };
}
