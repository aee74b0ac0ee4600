import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { createAgentMetrics } from "../../apps/agent/src/adapters/metrics";
import { createAggregatorMetrics } from "../../apps/aggregator/src/metrics";

const DASHBOARD = join(
  import.meta.dirname,
  "../../charts/kubewise/dashboards/kubewise.json",
);

type Registry = ReturnType<typeof createAgentMetrics>["registry"];
type Panel = { title: string; targets: { expr: string }[] };

/** Every `kubewise_*` series the chart's Grafana dashboard queries, with the labels it groups by. */
function queriedSeries(): { metric: string; labels: string[] }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
    panels: Panel[];
  };
  return dashboard.panels.flatMap((p) =>
    p.targets.flatMap((t) =>
      [...t.expr.matchAll(/kubewise_[a-z_]+/g)].map((m) => ({
        metric: m[0].replace(/_(bucket|sum|count)$/, ""),
        labels: [...t.expr.matchAll(/by \(([^)]*)\)/g)]
          .flatMap((b) => (b[1] ?? "").split(","))
          .map((l) => l.trim())
          // added by Prometheus at scrape time, or the histogram's bucket label
          .filter((l) => !["le", "pod", "namespace"].includes(l)),
      })),
    ),
  );
}

async function exportedLabels(registry: Registry) {
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  return new Map(
    names.map((name) => {
      const metric = registry.getSingleMetric(name) as unknown as {
        labelNames?: string[];
      };
      return [name, metric.labelNames ?? []];
    }),
  );
}

describe("Grafana dashboard (charts/kubewise/dashboards/kubewise.json)", () => {
  it("queries only metrics and labels the agent and the aggregator export", async () => {
    const exported = new Map([
      ...(await exportedLabels(createAgentMetrics().registry)),
      ...(await exportedLabels(createAggregatorMetrics().registry)),
    ]);
    const series = queriedSeries();
    expect(series.length).toBeGreaterThan(10);
    for (const { metric, labels } of series) {
      expect(exported.has(metric), metric).toBe(true);
      for (const label of labels)
        expect(exported.get(metric), `${metric} by ${label}`).toContain(label);
    }
  });
});
