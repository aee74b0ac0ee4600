import { describe, expect, it } from "vitest";

import { parseTidyCsv, TraceSeriesBuilder } from "./series-builder";
import { createTidyParser, isTidyHeader } from "./tidy-format";

const BITBRAINS_HEADER =
  "series_id,timestamp_s,cpu_cores,mem_bytes,cpu_request,mem_request,cpu_limit,mem_limit";
const GOOGLE_HEADER =
  "series_id,timestamp_s,cpu_ncu,mem_nmu,cpu_request_ncu,mem_request_nmu,cpu_limit_ncu,mem_limit_nmu,cpu_max_ncu,mem_max_nmu,cpu_p50_ncu,cpu_p90_ncu,cpu_p95_ncu,cpu_p99_ncu,machine_id,sample_rate";

describe("createTidyParser", () => {
  it.each([
    { header: BITBRAINS_HEADER, unitSystem: "real" },
    { header: GOOGLE_HEADER, unitSystem: "normalized" },
  ])("recognises the $unitSystem column set", ({ header, unitSystem }) => {
    expect(createTidyParser(header).unitSystem).toBe(unitSystem);
  });

  it("rejects other CSV headers with a clear error", () => {
    expect(() => createTidyParser("series_id,tidy_file,points")).toThrow(
      /not a tidy trace header/,
    );
    expect(isTidyHeader("a,b")).toBe(false);
  });

  it("parses Google rows with an empty cpu limit as no limit", () => {
    const parser = createTidyParser(GOOGLE_HEADER);
    const row = parser.parseLine(
      "google2019-job382-task115,900081,0.0004339218,0.002189636,0.001619339,0.002616882,,0.002605438,0.0044,0.0023,0.0001,0.0018,0.0021,0.0042,1639393793,1.0",
    );
    expect(row).toMatchObject({
      seriesId: "google2019-job382-task115",
      timestampS: 900081,
      cpuRequest: 0.001619339,
      memLimit: 0.002605438,
    });
    expect("cpuLimit" in row && Number.isNaN(row.cpuLimit)).toBe(true);
  });

  it.each([
    { line: "vm1,100,0.5,0,1,100,1,100", field: "mem" },
    { line: "vm1,100,NaN,5,1,100,1,100", field: "cpu" },
    { line: "vm1,100,-1,5,1,100,1,100", field: "cpu" },
    { line: "vm1,100,0.5,abc,1,100,1,100", field: "mem" },
  ])("turns $line into a missing $field reading", ({ line, field }) => {
    const row = createTidyParser(BITBRAINS_HEADER).parseLine(line);
    expect("error" in row).toBe(false);
    expect(
      Number.isNaN((row as unknown as Record<string, number>)[field]),
    ).toBe(true);
  });

  it.each([
    { line: "vm1,100,0.5", error: /expected 8 cells/ },
    { line: ",100,0.5,1,1,100,1,100", error: /empty series_id/ },
    { line: "vm1,,0.5,1,1,100,1,100", error: /timestamp_s/ },
  ])("rejects malformed row $line", ({ line, error }) => {
    const row = createTidyParser(BITBRAINS_HEADER).parseLine(line);
    expect("error" in row && row.error).toMatch(error);
  });
});

describe("parseTidyCsv", () => {
  it("groups by series, sorts unsorted timestamps and keeps the first of duplicates", () => {
    const text = [
      BITBRAINS_HEADER,
      "b,600,0.3,300,1,1000,1,1000",
      "a,300,0.2,200,1,1000,1,1000",
      "b,0,0.1,100,1,1000,1,1000",
      "b,300,0.2,200,1,1000,1,1000",
      "b,300,0.9,900,1,1000,1,1000",
      "broken",
      "",
    ].join("\n");
    const parsed = parseTidyCsv(text);
    expect(parsed.rejectedRows).toBe(1);
    expect(parsed.firstRejection).toMatch(/line 7/);
    expect(parsed.series.map((s) => s.seriesId)).toEqual(["a", "b"]);
    const b = parsed.series[1]!;
    expect([...b.timestampsS]).toEqual([0, 300, 600]);
    expect([...b.cpu]).toEqual([0.1, 0.2, 0.3]);
    expect(b.quality).toMatchObject({
      rows: 4,
      duplicateTimestamps: 1,
      outOfOrderRows: 1,
    });
  });

  it("counts zero memory readings as missing", () => {
    const parsed = parseTidyCsv(
      [
        BITBRAINS_HEADER,
        "a,0,0.1,0,1,1000,1,1000",
        "a,300,0.1,5,1,1000,1,1000",
      ].join("\n"),
    );
    expect(parsed.series[0]!.quality.missingMem).toBe(1);
  });

  it("refuses a series that mixes unit systems", () => {
    const builder = new TraceSeriesBuilder();
    const row = {
      seriesId: "a",
      timestampS: 0,
      cpu: 1,
      mem: 1,
      cpuRequest: 1,
      cpuLimit: 1,
      memRequest: 1,
      memLimit: 1,
    };
    builder.add(row, "real");
    expect(() =>
      builder.add({ ...row, timestampS: 300 }, "normalized"),
    ).toThrow(/both real and normalized/);
  });
});
