import { describe, expect, it } from "vitest";

import { createVpaRecommender } from "../baselines/vpa";
import { parseTidyCsv } from "../traces/series-builder";
import { evaluateSeries, PROVISIONED } from "./walk-forward";

const HEADER =
  "series_id,timestamp_s,cpu_cores,mem_bytes,cpu_request,mem_request,cpu_limit,mem_limit";
const GIB = 1024 ** 3;

/** Three days every 300 s, written in reverse order with duplicates, zero/NaN memory and a gap. */
function messyCsv(): string {
  const rows: string[] = [];
  for (let i = 0; i < 288 * 3; i++) {
    if (i >= 300 && i < 340) continue; // gap
    const mem =
      i % 7 === 0 ? "0" : i % 11 === 0 ? "NaN" : String(GIB + (i % 5) * 1e6);
    rows.push(
      `vm1,${i * 300},${i % 13 === 0 ? "" : 0.5},${mem},1,${4 * GIB},1,${4 * GIB}`,
    );
    if (i % 50 === 0)
      rows.push(`vm1,${i * 300},9,${3 * GIB},1,${4 * GIB},1,${4 * GIB}`);
  }
  return [HEADER, ...rows.reverse()].join("\n");
}

describe("walk-forward on messy input", () => {
  it("scores unsorted, duplicated, gappy input with zero/NaN readings like the clean series", () => {
    const { series } = parseTidyCsv(messyCsv());
    const s = series[0]!;
    expect(s.quality.duplicateTimestamps).toBeGreaterThan(0);
    const { days } = evaluateSeries(s, [
      { name: PROVISIONED, recommender: null },
      { name: "vpa", recommender: createVpaRecommender() },
    ]);
    expect(days.map((d) => d.policy)).toEqual([
      PROVISIONED,
      "vpa",
      PROVISIONED,
      "vpa",
    ]);
    for (const d of days) {
      expect(d.memSamples).toBeLessThan(288);
      expect(d.memSlack).not.toBeNull();
      expect(Number.isFinite(d.cpuSlack)).toBe(true);
    }
    // of a duplicated timestamp the first row read wins: in the reversed file that is the 9-core row
    const firstDuplicate = s.timestampsS.indexOf(50 * 300);
    expect(s.cpu[firstDuplicate]).toBe(9);
    expect(s.timestampsS.length).toBe(288 * 3 - 40);
  });
});
