import { describe, expect, it } from "vitest";

import { parseTidyCsv } from "./trace-csv";

const HEADER =
  "series_id,timestamp_s,cpu_cores,mem_bytes,cpu_request,mem_request,cpu_limit,mem_limit";

describe("parseTidyCsv", () => {
  it("groups rows into series", () => {
    const text = `${HEADER}\nvm1,100,0.5,1000,1,2000,1,2000\nvm1,400,0.25,1100,1,2000,1,2000\nvm2,100,2,3000,4,8000,4,8000\n`;
    const parsed = parseTidyCsv(text, 10);
    expect(parsed).toEqual({
      ok: true,
      series: [
        {
          seriesId: "vm1",
          timestampS: [100, 400],
          cpuCores: [0.5, 0.25],
          memBytes: [1000, 1100],
          cpuRequestCores: 1,
          memRequestBytes: 2000,
          cpuLimitCores: 1,
          memLimitBytes: 2000,
        },
        {
          seriesId: "vm2",
          timestampS: [100],
          cpuCores: [2],
          memBytes: [3000],
          cpuRequestCores: 4,
          memRequestBytes: 8000,
          cpuLimitCores: 4,
          memLimitBytes: 8000,
        },
      ],
    });
  });

  it("stops after maxSeries", () => {
    const text = `${HEADER}\nvm1,1,0,0,1,1,1,1\nvm2,1,0,0,1,1,1,1\n`;
    const parsed = parseTidyCsv(text, 1);
    expect(parsed.ok && parsed.series.map((s) => s.seriesId)).toEqual(["vm1"]);
  });

  it.each([
    [
      "normalized Google units",
      "series_id,timestamp_s,cpu_ncu,mem_nmu\n",
      /unsupported trace header/,
    ],
    [
      "a negative value",
      `${HEADER}\nvm1,1,-1,0,1,1,1,1\n`,
      /line 2: malformed/,
    ],
    ["a missing column", `${HEADER}\nvm1,1,0,0,1,1,1\n`, /line 2: malformed/],
    [
      "time going backwards",
      `${HEADER}\nvm1,5,0,0,1,1,1,1\nvm1,5,0,0,1,1,1,1\n`,
      /line 3: time does not increase/,
    ],
  ])("rejects %s with a clear error", (_name, text, error) => {
    const parsed = parseTidyCsv(text, 10);
    expect(parsed.ok ? "" : parsed.error).toMatch(error);
  });
});
