import { ConflictError } from "./errors";

export const RECOMMENDATION_PHASES = [
  "Pending",
  "Approved",
  "Rejected",
  "Applying",
  "Applied",
  "RolledBack",
  "Superseded",
] as const;
export type RecommendationPhase = (typeof RECOMMENDATION_PHASES)[number];

export const TERMINAL_PHASES: readonly RecommendationPhase[] = [
  "Rejected",
  "RolledBack",
  "Superseded",
];

export type RecommendationEvent =
  | { type: "approve"; actorId: string }
  | { type: "reject"; actorId: string; reason: string }
  | { type: "startApply"; actorId: string }
  | { type: "completeApply"; actorId: string }
  | { type: "rollback"; actorId: string; reason: string }
  | { type: "supersede"; actorId: string; supersededById: string }
  | { type: "dryRun"; actorId: string };

export type RecommendationEventType = RecommendationEvent["type"];

export type RecommendationState = { phase: RecommendationPhase };

// Pending -> Applying is the auto-apply path; services allow it only when the safety rules say so.
// Applied is not terminal because an applied change can still be rolled back.
const TRANSITIONS: Record<
  RecommendationPhase,
  Partial<Record<RecommendationEventType, RecommendationPhase>>
> = {
  Pending: {
    approve: "Approved",
    reject: "Rejected",
    startApply: "Applying",
    supersede: "Superseded",
  },
  Approved: {
    reject: "Rejected",
    startApply: "Applying",
    supersede: "Superseded",
  },
  Applying: { completeApply: "Applied", rollback: "RolledBack" },
  Applied: { rollback: "RolledBack" },
  Rejected: {},
  RolledBack: {},
  Superseded: {},
};

export class IllegalTransitionError extends ConflictError {
  readonly from: RecommendationPhase;
  readonly eventType: RecommendationEventType;

  constructor(from: RecommendationPhase, eventType: RecommendationEventType) {
    super(`cannot ${eventType} a recommendation in phase ${from}`);
    this.name = "IllegalTransitionError";
    this.from = from;
    this.eventType = eventType;
  }
}

export type TransitionResult =
  | { ok: true; state: RecommendationState; changed: boolean }
  | { ok: false; error: IllegalTransitionError };

export function isTerminalPhase(phase: RecommendationPhase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

/** The events accepted in a phase (dryRun is accepted everywhere and never changes the phase). */
export function allowedEvents(
  phase: RecommendationPhase,
): RecommendationEventType[] {
  return [
    ...(Object.keys(TRANSITIONS[phase]) as RecommendationEventType[]),
    "dryRun",
  ];
}

export function transitionRecommendation(
  state: RecommendationState,
  event: RecommendationEvent,
): TransitionResult {
  if (event.type === "dryRun") return { ok: true, state, changed: false };
  const next = TRANSITIONS[state.phase][event.type];
  if (next === undefined)
    return {
      ok: false,
      error: new IllegalTransitionError(state.phase, event.type),
    };
  return {
    ok: true,
    state: { ...state, phase: next },
    changed: next !== state.phase,
  };
}

/** Like transitionRecommendation, but throws the IllegalTransitionError (a ConflictError). */
export function applyRecommendationEvent(
  state: RecommendationState,
  event: RecommendationEvent,
): RecommendationState {
  const result = transitionRecommendation(state, event);
  if (!result.ok) throw result.error;
  return result.state;
}

/**
 * status.phase of a ResourceRecommendation (the controller's view of one rollout). The CRD schema
 * takes its enum from here.
 */
export const CLUSTER_PHASES = [
  "Pending",
  "DryRun",
  "Blocked",
  "Canary",
  "Applied",
  "Verified",
  "RolledBack",
  "Rejected",
  "Failed",
] as const;
export type ClusterPhase = (typeof CLUSTER_PHASES)[number];

/** Why the controller rolled a change back (status.rolledBack.reason). */
export const ROLLBACK_REASONS = [
  "OOMKilled",
  "CPUThrottling",
  "ResizeInfeasible",
  "PatchRejected",
  "Manual",
] as const;

/**
 * The one mapping from the cluster's phases to the lifecycle's: what a recommendation has become
 * once its ResourceRecommendation reaches a phase. undefined: nothing decided in the cluster yet.
 * Failed changed nothing on the workload, so its lifecycle counterpart is RolledBack.
 */
export const LIFECYCLE_PHASE_OF: Record<
  ClusterPhase,
  RecommendationPhase | undefined
> = {
  Pending: undefined,
  DryRun: undefined,
  Blocked: undefined,
  Canary: "Applying",
  Applied: "Applied",
  Verified: "Applied",
  RolledBack: "RolledBack",
  Rejected: "Rejected",
  Failed: "RolledBack",
};

export function isClusterPhase(value: string): value is ClusterPhase {
  return (CLUSTER_PHASES as readonly string[]).includes(value);
}

const PATH_EVENTS: RecommendationEventType[] = [
  "approve",
  "reject",
  "startApply",
  "completeApply",
  "rollback",
];

/**
 * The shortest sequence of events that moves a recommendation from `from` to `to` through the
 * state machine ([] when already there), or undefined when `to` cannot be reached.
 */
export function findEventPath(
  from: RecommendationPhase,
  to: RecommendationPhase,
): RecommendationEventType[] | undefined {
  const queue: {
    phase: RecommendationPhase;
    path: RecommendationEventType[];
  }[] = [{ phase: from, path: [] }];
  const seen = new Set<RecommendationPhase>([from]);
  for (let item = queue.shift(); item; item = queue.shift()) {
    if (item.phase === to) return item.path;
    for (const type of PATH_EVENTS) {
      const next = TRANSITIONS[item.phase][type];
      if (next === undefined || seen.has(next)) continue;
      seen.add(next);
      queue.push({ phase: next, path: [...item.path, type] });
    }
  }
  return undefined;
}
