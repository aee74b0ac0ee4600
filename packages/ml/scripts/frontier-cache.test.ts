import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { makeSeries } from "../src/eval/test-series";
import {
  baselineCodeKey,
  openBaselineCache,
  seriesKey,
} from "./frontier-cache";
import { buildSweeps } from "./frontier-policies";
import { joinParts, scoreFrontierSeries, scoreParts } from "./frontier-score";

const series = (memAt: (i: number) => number) =>
  makeSeries({
    count: 6 * 288,
    cpu: (i) => 0.5 + 0.1 * Math.sin(i / 20),
    mem: memAt,
  });

describe("bench:frontier baseline cache", () => {
  it("keys a series by its data, so any changed sample misses", () => {
    const a = series(() => 1e9);
    expect(seriesKey(a)).toBe(seriesKey(series(() => 1e9)));
    expect(seriesKey(a)).not.toBe(
      seriesKey(series((i) => (i === 700 ? 1.1e9 : 1e9))),
    );
    expect(baselineCodeKey()).toMatch(/^[0-9a-f]{16}$/);
  });

  it("returns what was put for the same series, nothing for another", async () => {
    const root = await mkdtemp(join(tmpdir(), "kw-frontier-cache-"));
    try {
      const cache = openBaselineCache(root);
      const s = series((i) => 1e9 + 1e6 * (i % 288));
      const sweeps = buildSweeps({ kubewise: false });
      const result = scoreFrontierSeries(s, sweeps, {
        fresh: false,
        part: "baselines",
      });
      expect(await cache.get(s)).toBeNull();
      await cache.put(s, result);
      expect(await cache.get(s)).toEqual(JSON.parse(JSON.stringify(result)));
      expect(await cache.get(series(() => 2e9))).toBeNull();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("scores the same sums in parts as in one run", () => {
    const s = series((i) => 1e9 + 1e6 * (i % 288));
    const sweeps = buildSweeps({ kubewise: false });
    const all = scoreFrontierSeries(s, sweeps, { fresh: false });
    const parts = scoreParts(s, sweeps, {
      fresh: false,
      parts: { baselines: true, kubewise: true },
    });
    const joined = joinParts(
      parts.baselines ?? { states: [], kubewiseDays: [], days: 0 },
      parts.kubewise ?? { states: [], kubewiseDays: [], days: 0 },
    );
    expect(new Map(joined.states)).toEqual(new Map(all.states));
  });
});
