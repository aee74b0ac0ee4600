import { describe, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import { fromProtoAnomalyReport } from "./anomaly-converters";

const NOW_MS = Date.UTC(2026, 10, 27);
const CONTEXT = { containers: 2, fromMs: NOW_MS - 86_400_000, toMs: NOW_MS };

function flag(
  overrides: Partial<agentV1.AnomalyFlag> = {},
): agentV1.AnomalyFlag {
  return {
    containerIndex: 1,
    kind: agentV1.AnomalyKind.ANOMALY_KIND_MEMORY_LEAK,
    severity: agentV1.AnomalySeverity.ANOMALY_SEVERITY_WARNING,
    detectedAtMs: NOW_MS - 60_000,
    timeToLimitSeconds: 3600.4,
    details: { slope_bytes_per_second: 12.5 },
    ...overrides,
  };
}

function convert(flags: agentV1.AnomalyFlag[]) {
  const problems: string[] = [];
  const anomalies = fromProtoAnomalyReport({ flags }, CONTEXT, (path) =>
    problems.push(path),
  );
  return { anomalies, problems };
}

describe("fromProtoAnomalyReport", () => {
  it("converts a valid flag to the ingest shape", () => {
    expect(convert([flag()])).toEqual({
      anomalies: [
        {
          containerIndex: 1,
          kind: "leak",
          severity: "warning",
          detectedAtMs: NOW_MS - 60_000,
          timeToLimitSeconds: 3600,
          details: { slope_bytes_per_second: 12.5 },
        },
      ],
      problems: [],
    });
  });

  it("treats an absent report as no flags", () => {
    expect(fromProtoAnomalyReport(undefined, CONTEXT, () => undefined)).toEqual(
      [],
    );
  });

  it.each<[string, Partial<agentV1.AnomalyFlag>, string]>([
    [
      "an unknown kind",
      { kind: agentV1.AnomalyKind.ANOMALY_KIND_UNSPECIFIED },
      "anomalyReport.flags[0].kind",
    ],
    [
      "an unknown severity",
      { severity: agentV1.AnomalySeverity.UNRECOGNIZED },
      "anomalyReport.flags[0].severity",
    ],
    [
      "a container index out of range",
      { containerIndex: 2 },
      "anomalyReport.flags[0].containerIndex",
    ],
    [
      "a detection time in the future",
      { detectedAtMs: NOW_MS + 1 },
      "anomalyReport.flags[0].detectedAtMs",
    ],
    [
      "a NaN detection time",
      { detectedAtMs: Number.NaN },
      "anomalyReport.flags[0].detectedAtMs",
    ],
    [
      "a negative time to limit",
      { timeToLimitSeconds: -1 },
      "anomalyReport.flags[0].timeToLimitSeconds",
    ],
    [
      "an infinite detail",
      { details: { z: Number.POSITIVE_INFINITY } },
      "anomalyReport.flags[0].details.z",
    ],
    [
      "a detail key with odd characters",
      { details: { "a b": 1 } },
      "anomalyReport.flags[0].details",
    ],
  ])("reports %s", (_name, overrides, path) => {
    expect(convert([flag(overrides)]).problems).toContain(path);
  });
});
