import { describe, expect, it } from "vitest";

import type { Recommendation, UsageChunk } from "../src/recommender";
import { buildPolicies, CURVE_RISK_WEIGHTS, curveName } from "./bench-policies";
import { loadKubewise } from "./kubewise-loader";

const START_S = 1_700_006_400; // a Wednesday, 00:00 UTC
const DAYS = 21;
const GIB = 1_073_741_824;

/** Deterministic noise (fakes only in unit tests): a linear congruential generator. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Memory with a daily peak that moves day to day; CPU with bursts: every knob has a choice to make. */
function volatileSeries(): UsageChunk {
  const random = lcg(7);
  const n = DAYS * 288;
  const chunk = {
    timestampsS: new Float64Array(n),
    cpuCores: new Float64Array(n),
    memBytes: new Float64Array(n),
  };
  let dayPeak = 1;
  for (let i = 0; i < n; i++) {
    if (i % 288 === 0) dayPeak = 1 + random() * random() * 1.5;
    const burst = (i % 288) / 288 > 0.5 && (i % 288) / 288 < 0.55;
    chunk.timestampsS[i] = START_S + i * 300;
    chunk.memBytes[i] = GIB * (1 + random() * 0.1 + (burst ? dayPeak - 1 : 0));
    chunk.cpuCores[i] =
      0.2 + random() * 0.2 + (random() < 0.03 ? random() * 2 : 0);
  }
  return chunk;
}

describe("bench:recommend's Kubewise curve", () => {
  it("varies the risk knob the recommender reads: no two points alike", async () => {
    const kubewise = await loadKubewise(CURVE_RISK_WEIGHTS, () => undefined);
    expect(kubewise.missingReason).toBe("");
    expect(kubewise.curve.map((e) => e.knob.riskWeight)).toEqual([
      ...CURVE_RISK_WEIGHTS,
    ]);
    expect(kubewise.curve.filter((e) => e.sameAsDefault)).toHaveLength(1);
    const names = kubewise.curve.map(curveName);
    expect(new Set(names).size).toBe(names.length);

    const chunk = volatileSeries();
    const nowS = START_S + DAYS * 86_400;
    const recommendations: Recommendation[] = kubewise.curve.map((e) => {
      const session = e.recommender.start({
        seriesId: "volatile",
        sampleIntervalS: 300,
      });
      session.observe(chunk);
      const result = session.recommend(nowS);
      if (result.kind !== "ok")
        throw new Error(`no recommendation: ${result.kind}`);
      return result.recommendation;
    });
    const memory = recommendations.map((r) => r.base.memLimitBytes ?? 0);
    const cpu = recommendations.map((r) => r.base.cpuRequestCores);
    // From aggressive to conservative: strictly more memory, never less CPU.
    for (let i = 1; i < memory.length; i++) {
      expect(memory[i]).toBeGreaterThan(memory[i - 1] ?? 0);
      expect(cpu[i]).toBeGreaterThanOrEqual(cpu[i - 1] ?? 0);
    }
  });

  it("scores the default once and every other curve point under its own name", async () => {
    const { policies } = await buildPolicies(() => undefined, {
      baselinesOnly: false,
    });
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n.startsWith("kubewise"))).toEqual([
      "kubewise",
      "kubewise@risk 0.75 / cpu 12",
      "kubewise@risk 8 / cpu 100",
    ]);
  });
});
