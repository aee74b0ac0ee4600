import { describe, expect, it } from "vitest";

import { ValidationError } from "@kubewise/core";
import type { agentV1 } from "@kubewise/proto";

import { DEFAULT_INGEST_LIMITS } from "../domain/batch";
import { fromProtoMetricBatch } from "./converters";

const NOW_MS = Date.parse("2026-11-20T12:00:00Z");

function batch(overrides: Partial<agentV1.MetricBatch>): agentV1.MetricBatch {
  return {
    agentId: "agent-1",
    bootId: "boot-1",
    seq: 1,
    nodeName: "node-1",
    droppedBatchesTotal: 0,
    containers: [
      {
        namespace: "ns",
        podName: "p",
        podUid: "u",
        containerName: "c",
        containerId: "",
        workloadKind: "Deployment",
        workloadName: "w",
        cpuRequestMillicores: 100,
        cpuLimitMillicores: 200,
        memoryRequestBytes: 0,
        memoryLimitBytes: 0,
      },
    ],
    containerIndex: [0, 0],
    timestampMs: [NOW_MS - 10_000, NOW_MS],
    cpuUsageCores: [0.2, 0.3],
    cpuThrottledPeriods: [5, 0],
    cpuThrottledSeconds: [0.1, 0],
    cpuPeriods: [],
    memoryWorkingSetBytes: [1 << 20, 1 << 20],
    memoryRssBytes: [1 << 19, 1 << 19],
    memoryLimitBytes: [0, 0],
    oomKillCount: [0, 0],
    ...overrides,
  };
}

const validate = (b: agentV1.MetricBatch) =>
  fromProtoMetricBatch(b, DEFAULT_INGEST_LIMITS, NOW_MS);

function fieldErrors(b: agentV1.MetricBatch): Record<string, unknown> {
  try {
    validate(b);
  } catch (error) {
    if (error instanceof ValidationError) return error.fieldErrors;
    throw error;
  }
  throw new Error("batch was accepted");
}

describe("fromProtoMetricBatch cpuPeriods column", () => {
  it.each([
    { what: "an empty column as unknown", cpuPeriods: [], stored: undefined },
    { what: "exact periods, 0 included", cpuPeriods: [40, 0], stored: [40, 0] },
  ])("accepts $what", ({ cpuPeriods, stored }) => {
    expect(validate(batch({ cpuPeriods })).samples.cpuPeriods).toEqual(stored);
  });

  it.each([
    {
      what: "fewer values than samples",
      cpuPeriods: [40],
      field: "cpuPeriods",
    },
    { what: "a negative value", cpuPeriods: [40, -1], field: "cpuPeriods[1]" },
    { what: "a fraction", cpuPeriods: [40.5, 0], field: "cpuPeriods[0]" },
    { what: "NaN", cpuPeriods: [Number.NaN, 0], field: "cpuPeriods[0]" },
    {
      what: "fewer periods than throttled periods",
      cpuPeriods: [4, 0],
      field: "cpuPeriods[0]",
    },
  ])("rejects $what", ({ cpuPeriods, field }) => {
    expect(Object.keys(fieldErrors(batch({ cpuPeriods })))).toContain(field);
  });
});

describe("fromProtoMetricBatch pod labels", () => {
  const withLabels = (labels: agentV1.PodLabels | undefined) =>
    batch({
      containers: [
        {
          ...batch({}).containers[0]!,
          ...(labels === undefined ? {} : { labels }),
        },
      ],
    });

  it("passes labels on sorted by key, and leaves them out when the agent sent none", () => {
    const labels = validate(
      withLabels({ values: { team: "payments", app: "checkout" } }),
    ).containers[0]?.labels;
    expect(labels).toEqual({ app: "checkout", team: "payments" });
    expect(Object.keys(labels ?? {})).toEqual(["app", "team"]);
    expect(validate(withLabels(undefined)).containers[0]).not.toHaveProperty(
      "labels",
    );
    expect(validate(withLabels({ values: {} })).containers[0]?.labels).toEqual(
      {},
    );
  });

  it("names the label that breaks the Kubernetes bounds", () => {
    expect(
      fieldErrors(withLabels({ values: { team: "x".repeat(64) } })),
    ).toHaveProperty(["containers[0].labels.team"]);
    const many = Object.fromEntries(
      Array.from({ length: 65 }, (_, i) => [`k${String(i)}`, "v"]),
    );
    expect(fieldErrors(withLabels({ values: many }))).toHaveProperty([
      "containers[0].labels",
    ]);
  });
});

describe("fromProtoMetricBatch containers reused by the decoder", () => {
  it("converts a decoded containers array once while it is valid, and still refuses an invalid one every time", () => {
    const shared = batch({}).containers;
    const first = validate(batch({ containers: shared }));
    const second = validate(batch({ containers: shared, seq: 2 }));
    expect(second.containers).toBe(first.containers);
    // Equal containers in another array (another agent, or a changed scrape) are converted anew.
    const copy = validate(batch({ containers: structuredClone(shared) }));
    expect(copy.containers).not.toBe(first.containers);
    expect(copy.containers).toEqual(first.containers);
    const invalid = batch({}).containers.map((c) => ({ ...c, namespace: "" }));
    for (let i = 0; i < 2; i++)
      expect(
        fieldErrors(batch({ containers: invalid }))["containers[0].namespace"],
      ).toBeDefined();
    // Over the limit (another limits object): refused even though the array was valid before.
    expect(() =>
      fromProtoMetricBatch(
        batch({ containers: shared }),
        { ...DEFAULT_INGEST_LIMITS, maxBatchContainers: 0 },
        NOW_MS,
      ),
    ).toThrow(ValidationError);
  });
});
