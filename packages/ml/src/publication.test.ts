import { describe, expect, it } from "vitest";

import type { Publishable } from "./publication";
import {
  decidePublication,
  materialChanges,
  PUBLICATION_RULE,
} from "./publication";

const MIB = 1024 * 1024;

function rec(
  o: Partial<Publishable["base"]> = {},
  extra: Partial<Omit<Publishable, "base">> = {},
): Publishable {
  return {
    base: {
      cpuRequestCores: 0.5,
      cpuLimitCores: null,
      memRequestBytes: 512 * MIB,
      memLimitBytes: 1024 * MIB,
      ...o,
    },
    windows: [],
    confidence: 0.95,
    ...extra,
  };
}

describe("materialChanges", () => {
  it("ignores small moves and names material ones per resource", () => {
    const { cpu } = PUBLICATION_RULE;
    const below = 0.5 * (1 + cpu.up - 0.05);
    expect(materialChanges(rec(), rec({ cpuRequestCores: below }))).toEqual([]);
    expect(
      materialChanges(rec(), rec({ cpuRequestCores: 0.5 * (1 + cpu.up) })),
    ).toEqual([`CPU request 500m -> ${Math.ceil(500 * (1 + cpu.up))}m`]);
    expect(materialChanges(rec(), rec({ memLimitBytes: 1200 * MIB }))).toEqual([
      "memory limit 1024 MiB -> 1200 MiB",
    ]);
  });

  it("needs a larger step down than up (hysteresis) and a least absolute change in real units", () => {
    const { cpu } = PUBLICATION_RULE;
    const down = 0.5 * (1 - (cpu.down - 0.05));
    expect(materialChanges(rec(), rec({ cpuRequestCores: down }))).toEqual([]);
    expect(materialChanges(rec({ cpuRequestCores: down }), rec())).toHaveLength(
      1,
    );
    // +50 % of 10 millicores is below the least absolute change ...
    expect(
      materialChanges(
        rec({ cpuRequestCores: 0.01 }),
        rec({ cpuRequestCores: 0.015 }),
      ),
    ).toEqual([]);
    // ... which does not apply to normalized units.
    expect(
      materialChanges(
        rec({ cpuRequestCores: 0.01 }),
        rec({ cpuRequestCores: 0.015 }),
        { unitSystem: "normalized" },
      ),
    ).toHaveLength(1);
    expect(materialChanges(rec(), rec({ cpuLimitCores: 0.9 }))).toEqual([
      "CPU limit none -> 900m",
    ]);
  });

  it("compares time windows by name and value", () => {
    const w = (cpu: number) => [
      { name: "peak", cpuRequestCores: cpu, memRequestBytes: 512 * MIB },
    ];
    // A window that appears is compared with the base values it replaces in its hours.
    expect(materialChanges(rec(), rec({}, { windows: w(1) }))).toEqual([
      "peak: CPU request 500m -> 1000m",
    ]);
    expect(materialChanges(rec(), rec({}, { windows: w(0.55) }))).toEqual([]);
    expect(
      materialChanges(rec({}, { windows: w(1) }), rec({}, { windows: w(2) })),
    ).toEqual(["peak: CPU request 1000m -> 2000m"]);
  });
});

describe("decidePublication", () => {
  it("publishes the first recommendation and a material change, keeps the rest", () => {
    expect(decidePublication({ published: null, fresh: rec() }).publish).toBe(
      true,
    );
    expect(
      decidePublication({
        published: rec(),
        fresh: rec({ cpuRequestCores: 0.52 }),
      }),
    ).toEqual({ publish: false, changes: [], reason: "no material change" });
  });

  it("raises memory however small the step when the published limit became materially less safe", () => {
    const fresh = rec({ memLimitBytes: 1060 * MIB }, { confidence: 0.97 });
    const safe = decidePublication({
      published: rec(),
      fresh,
      publishedConfidenceNow: 0.965,
    });
    expect(safe.publish).toBe(false);
    const risky = decidePublication({
      published: rec(),
      fresh,
      publishedConfidenceNow: 0.9,
    });
    expect(risky.publish).toBe(true);
    expect(risky.reason).toMatch(/now hold with 90.0 %/);
  });

  it("judges memory by what keeping it costs, where the recommender can say", () => {
    const fresh = rec({ memLimitBytes: 600 * MIB });
    // -41 %: material by relative change, but keeping 1024 MiB costs almost nothing more.
    expect(materialChanges(rec(), fresh)).toHaveLength(1);
    expect(materialChanges(rec(), fresh, { memoryRegret: 0.01 })).toEqual([]);
    const down = PUBLICATION_RULE.memory.regretDown ?? 0;
    expect(
      materialChanges(rec(), fresh, { memoryRegret: down - 0.01 }),
    ).toEqual([]);
    expect(
      materialChanges(rec(), fresh, { memoryRegret: down + 0.01 }),
    ).toEqual(["memory limit 1024 MiB -> 600 MiB"]);
  });

  it("by default publishes a memory decrease at a lower regret than an increase (ADR 0004)", () => {
    const { regret, regretDown } = PUBLICATION_RULE.memory;
    expect(regretDown).toBeLessThan(regret);
    const between = ((regretDown ?? 0) + regret) / 2;
    const lower = rec({ memLimitBytes: 600 * MIB });
    const higher = rec({ memLimitBytes: 1600 * MIB });
    expect(materialChanges(rec(), lower, { memoryRegret: between })).toEqual([
      "memory limit 1024 MiB -> 600 MiB",
    ]);
    expect(materialChanges(rec(), higher, { memoryRegret: between })).toEqual(
      [],
    );
    // Safety does not wait on the regret: the published values holding 6 points less often publish.
    const risky = decidePublication({
      published: rec(),
      fresh: { ...higher, confidence: 0.96 },
      publishedConfidenceNow: 0.9,
      memoryRegret: between,
    });
    expect(risky.publish).toBe(true);
  });

  it("can ask a decrease for a different regret than an increase (hysteresis by direction)", () => {
    const rule = {
      ...PUBLICATION_RULE,
      memory: { ...PUBLICATION_RULE.memory, regret: 0.15, regretDown: 0.05 },
      cpu: { ...PUBLICATION_RULE.cpu, regret: 0.1, regretDown: 0.2 },
    };
    const lower = rec({ memLimitBytes: 600 * MIB });
    const higher = rec({ memLimitBytes: 1600 * MIB });
    expect(materialChanges(rec(), lower, { rule, memoryRegret: 0.06 })).toEqual(
      ["memory limit 1024 MiB -> 600 MiB"],
    );
    expect(
      materialChanges(rec(), higher, { rule, memoryRegret: 0.06 }),
    ).toEqual([]);
    expect(
      materialChanges(rec(), higher, { rule, memoryRegret: 0.16 }),
    ).toEqual(["memory limit 1024 MiB -> 1600 MiB"]);
    // Without regretDown both directions use regret.
    const symmetric = {
      ...rule,
      memory: { up: 0.1, down: 0.2, minBytes: 32 * MIB, regret: 0.15 },
    };
    expect(
      materialChanges(rec(), lower, { rule: symmetric, memoryRegret: 0.06 }),
    ).toEqual([]);
    // CPU likewise: here a decrease needs more than an increase.
    const cheaper = rec({ cpuRequestCores: 0.2 });
    const dearer = rec({ cpuRequestCores: 0.9 });
    expect(materialChanges(rec(), cheaper, { rule, cpuRegret: 0.15 })).toEqual(
      [],
    );
    expect(materialChanges(rec(), dearer, { rule, cpuRegret: 0.15 })).toEqual([
      "CPU request 500m -> 900m",
    ]);
  });

  it("judges the CPU request by what keeping it costs, where the recommender can say", () => {
    const fresh = rec({ cpuRequestCores: 0.9, cpuLimitCores: null });
    // +80 %: material by relative change, but keeping 500m costs little more on the days just seen.
    expect(materialChanges(rec(), fresh)).toEqual(["CPU request 500m -> 900m"]);
    expect(materialChanges(rec(), fresh, { cpuRegret: 0.01 })).toEqual([]);
    expect(
      materialChanges(rec(), fresh, {
        cpuRegret: PUBLICATION_RULE.cpu.regret + 0.01,
      }),
    ).toEqual(["CPU request 500m -> 900m"]);
    // The regret is the request's: a CPU limit stays judged by relative change.
    expect(
      materialChanges(rec({ cpuLimitCores: 1 }), rec({ cpuLimitCores: 2 }), {
        cpuRegret: 0,
      }),
    ).toEqual(["CPU limit 1000m -> 2000m"]);
  });

  it("publishes when the confidence crosses the auto-apply threshold, only when one is set", () => {
    const crossed = decidePublication({
      published: rec({}, { confidence: 0.89 }),
      fresh: rec({}, { confidence: 0.905 }),
      autoApplyMinConfidence: 0.9,
    });
    expect(crossed.publish).toBe(true);
    expect(crossed.reason).toMatch(/crosses the auto-apply threshold 90 %/);
    expect(
      decidePublication({
        published: rec({}, { confidence: 0.89 }),
        fresh: rec({}, { confidence: 0.905 }),
        autoApplyMinConfidence: null,
      }).publish,
    ).toBe(false);
  });
});
