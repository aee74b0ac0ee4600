import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";

import { startRecommendLoop } from "./recommend-loop";

const logger = pino({ level: "silent" });

describe("startRecommendLoop", () => {
  afterEach(() => vi.useRealTimers());

  it("runs a pass every interval with the clock's time and reports the outcome", async () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const results: string[] = [];
    const loop = startRecommendLoop({
      intervalMs: 1000,
      now: () => new Date(Date.now()),
      logger,
      onResult: (result) => results.push(result),
      runPass: (now) => {
        seen.push(now.getTime());
        return Promise.resolve({ recommendations: 2, anomalies: 1 });
      },
    });
    await vi.advanceTimersByTimeAsync(3500);
    loop.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen).toHaveLength(3);
    expect(results).toEqual(["ok", "ok", "ok"]);
  });

  it("keeps going after a failed pass and never overlaps a slow one", async () => {
    vi.useFakeTimers();
    let calls = 0;
    let active = 0;
    let maxActive = 0;
    const results: string[] = [];
    const loop = startRecommendLoop({
      intervalMs: 100,
      now: () => new Date(),
      logger,
      onResult: (result) => results.push(result),
      runPass: async () => {
        calls += 1;
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 250));
        active -= 1;
        if (calls === 1) throw new Error("database restarting");
        return { recommendations: 0, anomalies: 0 };
      },
    });
    await vi.advanceTimersByTimeAsync(1000);
    loop.stop();
    expect(maxActive).toBe(1);
    expect(results[0]).toBe("error");
    expect(results.slice(1)).toContain("ok");
  });
});
