import pino from "pino";
import { describe, expect, it } from "vitest";

import type { FederationStep } from "@kubewise/services";

import { startFederationLoop } from "./federation-loop";
import { createAggregatorMetrics } from "./metrics";

function idleLines(lines: string[]): string[] {
  return lines
    .map((line) => JSON.parse(line) as { msg: string; reason?: string })
    .filter((entry) => entry.msg === "federation idle")
    .map((entry) => entry.reason ?? "");
}

describe("startFederationLoop", () => {
  it("logs why nothing happened once per change, not at every tick", async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "info" },
      { write: (line) => lines.push(line) },
    );
    const steps: FederationStep[] = [
      { action: "none", reason: "training due, too few eligible agents" },
      { action: "none", reason: "training due, too few eligible agents" },
      { action: "none", reason: "training due, too few eligible agents" },
      { action: "none", reason: "no round due" },
      { action: "none", reason: "no round due" },
      { action: "none", reason: "training due, too few eligible agents" },
    ];
    let next = 0;
    const loop = startFederationLoop({
      tickMs: 3_600_000,
      metrics: createAggregatorMetrics(),
      logger,
      step: () =>
        Promise.resolve({
          ran: true,
          value: { step: steps[next++]!, activeVersion: 1 },
        }),
    });
    for (const _ of steps) await loop.runOnce();
    loop.stop();
    expect(idleLines(lines)).toEqual([
      "training due, too few eligible agents",
      "no round due",
      "training due, too few eligible agents",
    ]);
  });
});
