import { describe, expect, it } from "vitest";

import type { SweepPolicy } from "../src/eval/sweep";
import { PUBLICATION_RULE } from "../src/publication";
import { parseRule, withRule } from "./frontier-rule";

describe("bench:frontier --rule", () => {
  it("merges a partial rule per key into the product's", () => {
    const rule = parseRule(
      '{"memory":{"regretDown":0.08},"confidenceDrop":0.04}',
    );
    expect(rule).toEqual({
      cpu: PUBLICATION_RULE.cpu,
      memory: { ...PUBLICATION_RULE.memory, regretDown: 0.08 },
      confidenceDrop: 0.04,
    });
    expect(parseRule(undefined)).toBeUndefined();
  });

  it("refuses what is not a rule, with the reason", () => {
    expect(() => parseRule("{memory")).toThrow(/--rule: not JSON/);
    expect(() => parseRule("[1]")).toThrow(/expected a JSON object/);
    expect(() => parseRule('{"disk":{}}')).toThrow(/unknown key\(s\) disk/);
    expect(() => parseRule('{"memory":{"regret":"x"}}')).toThrow(
      /memory.regret must be a number >= 0/,
    );
    expect(() => parseRule('{"memory":{"regretdown":0.1}}')).toThrow(
      /unknown key memory.regretdown/,
    );
    expect(() => parseRule('{"confidenceDrop":-1}')).toThrow(
      /confidenceDrop must be a number >= 0/,
    );
  });

  it("replaces Kubewise's rule only", () => {
    const rule = { ...PUBLICATION_RULE, confidenceDrop: 0.2 };
    const sweeps = [
      { family: "krr", points: [], start: () => ({}) },
      {
        family: "kubewise",
        points: [],
        publication: PUBLICATION_RULE,
        start: () => ({}),
      },
    ] as unknown as SweepPolicy[];
    const out = withRule(sweeps, rule);
    expect(out[0]).toBe(sweeps[0]);
    expect(out[1]?.publication).toBe(rule);
    expect(withRule(sweeps, undefined)).toBe(sweeps);
  });
});
