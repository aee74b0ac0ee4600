import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ConflictError } from "./errors";
import {
  allowedEvents,
  applyRecommendationEvent,
  CLUSTER_PHASES,
  findEventPath,
  IllegalTransitionError,
  isTerminalPhase,
  LIFECYCLE_PHASE_OF,
  RECOMMENDATION_PHASES,
  transitionRecommendation,
  type RecommendationEvent,
  type RecommendationPhase,
} from "./lifecycle";

const actorId = "u1";
const EVENTS: RecommendationEvent[] = [
  { type: "approve", actorId },
  { type: "reject", actorId, reason: "too aggressive" },
  { type: "startApply", actorId },
  { type: "completeApply", actorId },
  { type: "rollback", actorId, reason: "OOMKilled" },
  { type: "supersede", actorId, supersededById: "r2" },
  { type: "dryRun", actorId },
];
const eventOf = (type: RecommendationEvent["type"]): RecommendationEvent =>
  EVENTS.find((e) => e.type === type)!;

describe("transitionRecommendation", () => {
  it.each([
    ["Pending", "approve", "Approved"],
    ["Pending", "reject", "Rejected"],
    ["Pending", "supersede", "Superseded"],
    ["Pending", "startApply", "Applying"],
    ["Approved", "startApply", "Applying"],
    ["Approved", "reject", "Rejected"],
    ["Approved", "supersede", "Superseded"],
    ["Applying", "completeApply", "Applied"],
    ["Applying", "rollback", "RolledBack"],
    ["Applied", "rollback", "RolledBack"],
  ] as const)("%s --%s--> %s", (from, type, to) => {
    const result = transitionRecommendation({ phase: from }, eventOf(type));
    expect(result).toMatchObject({
      ok: true,
      state: { phase: to },
      changed: true,
    });
  });

  it.each([
    ["Pending", "completeApply"],
    ["Pending", "rollback"],
    ["Approved", "approve"],
    ["Applying", "approve"],
    ["Applying", "supersede"],
    ["Applied", "approve"],
    ["Applied", "supersede"],
    ["Rejected", "approve"],
    ["RolledBack", "startApply"],
    ["Superseded", "approve"],
  ] as const)("refuses %s --%s--> with a ConflictError", (from, type) => {
    const result = transitionRecommendation({ phase: from }, eventOf(type));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(ConflictError);
      expect(result.error.message).toBe(
        `cannot ${type} a recommendation in phase ${from}`,
      );
    }
    expect(() =>
      applyRecommendationEvent({ phase: from }, eventOf(type)),
    ).toThrow(IllegalTransitionError);
  });
});

describe("lifecycle properties", () => {
  const phaseArb = fc.constantFrom(...RECOMMENDATION_PHASES);
  const eventsArb = fc.array(fc.constantFrom(...EVENTS), { maxLength: 30 });

  function run(
    start: RecommendationPhase,
    events: RecommendationEvent[],
  ): RecommendationPhase[] {
    const phases = [start];
    let state = { phase: start };
    for (const event of events) {
      const result = transitionRecommendation(state, event);
      if (result.ok) state = result.state;
      phases.push(state.phase);
    }
    return phases;
  }

  it("never leaves the set of known phases from Pending", () => {
    fc.assert(
      fc.property(eventsArb, (events) =>
        run("Pending", events).every((p) => RECOMMENDATION_PHASES.includes(p)),
      ),
    );
  });

  it("terminal phases stay terminal and accept only dryRun", () => {
    fc.assert(
      fc.property(phaseArb, eventsArb, (start, events) => {
        const phases = run(start, events);
        const firstTerminal = phases.findIndex(isTerminalPhase);
        return (
          firstTerminal === -1 ||
          phases.slice(firstTerminal).every((p) => p === phases[firstTerminal])
        );
      }),
    );
    for (const phase of RECOMMENDATION_PHASES.filter(isTerminalPhase))
      expect(allowedEvents(phase)).toEqual(["dryRun"]);
  });

  it("dryRun never changes the phase", () => {
    fc.assert(
      fc.property(phaseArb, (phase) => {
        const result = transitionRecommendation({ phase }, eventOf("dryRun"));
        return result.ok && result.state.phase === phase && !result.changed;
      }),
    );
  });

  it("Applied is reachable only through Applying, and Applying only from Pending or Approved", () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const phases = run("Pending", events);
        return phases.every((phase, i) => {
          const previous = phases[i - 1];
          if (previous === undefined || previous === phase) return true;
          if (phase === "Applied") return previous === "Applying";
          if (phase === "Applying")
            return previous === "Pending" || previous === "Approved";
          return true;
        });
      }),
    );
  });

  it("a Rejected recommendation was never applied on the way", () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const phases = run("Pending", events);
        return !phases.includes("Rejected") || !phases.includes("Applying");
      }),
    );
  });

  it("allowedEvents agrees with transitionRecommendation", () => {
    fc.assert(
      fc.property(phaseArb, fc.constantFrom(...EVENTS), (phase, event) => {
        return (
          transitionRecommendation({ phase }, event).ok ===
          allowedEvents(phase).includes(event.type)
        );
      }),
    );
  });
});

describe("cluster phase -> lifecycle phase (one mapping table)", () => {
  // Rows: status.phase of the ResourceRecommendation; columns: the recommendation's lifecycle
  // phase. "-": nothing decided in the cluster; "=": already there; "X": unreachable (a conflict
  // the cluster sync reports); otherwise the events that get there.
  const columns = RECOMMENDATION_PHASES;
  const expected: Record<string, string> = {
    Pending: "- | - | - | - | - | - | -",
    DryRun: "- | - | - | - | - | - | -",
    Blocked: "- | - | - | - | - | - | -",
    Canary: "startApply | startApply | X | = | X | X | X",
    Applied:
      "startApply+completeApply | startApply+completeApply | X | completeApply | = | X | X",
    Verified:
      "startApply+completeApply | startApply+completeApply | X | completeApply | = | X | X",
    RolledBack:
      "startApply+rollback | startApply+rollback | X | rollback | rollback | = | X",
    Rejected: "reject | reject | = | X | X | X | X",
    Failed:
      "startApply+rollback | startApply+rollback | X | rollback | rollback | = | X",
  };

  it.each(CLUSTER_PHASES)(
    "cluster %s from every lifecycle phase",
    (cluster) => {
      const cells = columns.map((db) => {
        const target = LIFECYCLE_PHASE_OF[cluster];
        if (target === undefined) return "-";
        const path = findEventPath(db, target);
        if (path === undefined) return "X";
        let state: { phase: RecommendationPhase } = { phase: db };
        for (const type of path)
          state = applyRecommendationEvent(state, eventOf(type));
        expect(state.phase).toBe(target);
        return path.length ? path.join("+") : "=";
      });
      expect(cells.join(" | ")).toBe(expected[cluster]);
    },
  );

  it("covers every cluster phase and nothing else", () => {
    expect(Object.keys(LIFECYCLE_PHASE_OF).sort()).toEqual(
      [...CLUSTER_PHASES].sort(),
    );
    expect(Object.keys(expected).sort()).toEqual([...CLUSTER_PHASES].sort());
  });
});
