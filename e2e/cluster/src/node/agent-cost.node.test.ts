// The agent's real cost on the node, from its own cgroup: CPU per scrape and RSS, with the
// forecaster loaded (the suite installs it with agent.preloadForecaster=true).
import { describe, expect, inject, it } from "vitest";

import { releasePods } from "./release";
import { recordResult } from "./results";
import { until } from "./wait";
import { cgroupUsage } from "./workloads";

const ctx = inject("nodeSuite");
const WINDOW_MS = 60_000;

type Pod = {
  status: { podIP?: string; containerStatuses?: { containerID?: string }[] };
};

function agent(): { ip: string; containerId: string } {
  const pod = releasePods<Pod>(ctx, "agent")[0];
  return {
    ip: pod?.status.podIP ?? "",
    containerId: pod?.status.containerStatuses?.[0]?.containerID ?? "",
  };
}

async function metrics(ip: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${ip}:9464/metrics`)).text();
  return new Map(
    text
      .split("\n")
      .filter((l) => l.startsWith("kubewise_agent_"))
      .map((l) => [
        l.slice(0, l.lastIndexOf(" ")),
        Number(l.slice(l.lastIndexOf(" ") + 1)),
      ]),
  );
}

describe("the agent's cost on the node", () => {
  it("is measured from its cgroup with the forecaster loaded", async () => {
    const { ip, containerId } = agent();
    await until(
      async () =>
        (await metrics(ip)).get("kubewise_agent_scorer_loaded") === 1
          ? true
          : undefined,
      {
        timeoutMs: 60_000,
        what: "the agent's forecaster loaded",
      },
    );
    const scrapes = async () =>
      (await metrics(ip)).get(
        "kubewise_agent_collection_duration_seconds_count",
      ) ?? 0;
    const before = {
      usage: cgroupUsage(containerId),
      scrapes: await scrapes(),
    };
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const after = { usage: cgroupUsage(containerId), scrapes: await scrapes() };
    const scraped = after.scrapes - before.scrapes;
    const cpuMsPerScrape =
      ((after.usage.cpuSeconds - before.usage.cpuSeconds) * 1000) / scraped;
    const rssMib = after.usage.rssBytes / 2 ** 20;
    recordResult(ctx, {
      agent_cpu_ms_per_scrape: Math.round(cpuMsPerScrape * 100) / 100,
      agent_rss_mib: Math.round(rssMib * 10) / 10,
      agent_anon_mib: Math.round((after.usage.anonBytes / 2 ** 20) * 10) / 10,
      agent_scrapes_measured: scraped,
    });
    expect(scraped).toBeGreaterThanOrEqual(4);
    expect(rssMib).toBeGreaterThan(10);
    // the chart's limit is 128Mi: the agent must stay well inside it
    expect(rssMib).toBeLessThan(128);
  });
});
