import type { Logger } from "pino";

import type { FederationStep } from "@kubewise/services";

import type { AggregatorMetrics } from "./metrics";
import { startPeriodic } from "./periodic";

export type FederationLoopOptions = {
  tickMs: number;
  /** One leader step; `{ ran: false }` when another replica holds the federation lock. */
  step: () => Promise<
    | {
        ran: true;
        value: { step: FederationStep; activeVersion: number | undefined };
      }
    | { ran: false }
  >;
  metrics: AggregatorMetrics;
  logger: Logger;
};

function record(metrics: AggregatorMetrics, step: FederationStep): void {
  const answers = metrics.flOpenRoundAnswers;
  if (step.action === "waiting") {
    answers.set({ what: "answered" }, step.answered);
    answers.set({ what: "selected" }, step.selected);
    return;
  }
  answers.set({ what: "answered" }, 0);
  answers.set({ what: "selected" }, 0);
  if (step.action === "opened")
    metrics.flRounds.inc({ kind: step.kind, event: "opened" });
  if (step.action === "closed")
    metrics.flRounds.inc({
      kind: step.kind,
      event: step.result.includes("abandoned") ? "abandoned" : "closed",
    });
}

/** Federated rounds on one replica at a time: each tick closes the open round or opens the next. */
export function startFederationLoop(options: FederationLoopOptions): {
  runOnce: () => Promise<void>;
  stop: () => void;
} {
  const { metrics, logger } = options;
  // Why nothing happened is logged once when it changes, not at every tick.
  let lastIdleReason: string | undefined;
  const runOnce = async (): Promise<void> => {
    try {
      const result = await options.step();
      if (!result.ran) return;
      const { step } = result.value;
      const idleReason = step.action === "none" ? step.reason : undefined;
      if (idleReason !== undefined && idleReason !== lastIdleReason)
        logger.info({ reason: idleReason }, "federation idle");
      lastIdleReason = idleReason;
      record(metrics, step);
      if (result.value.activeVersion !== undefined)
        metrics.flActiveModelVersion.set(result.value.activeVersion);
    } catch (error) {
      // The step is one transaction: a failure leaves the round as it was; the next tick retries.
      metrics.flLoopErrors.inc();
      logger.error(
        { err: error },
        "federation step failed, retrying next tick",
      );
    }
  };
  const periodic = startPeriodic(options.tickMs, runOnce);
  return { runOnce, stop: periodic.stop };
}
