// The release's agent pod as the node suite sees it: its pod status, its Prometheus metrics and
// the CPU time and memory its container's cgroup accounts.
import { releasePods, type NodeSuiteContext } from "./release";
import { cgroupUsage } from "./workloads";

export type AgentPod = {
  metadata: { name: string; uid: string };
  status: {
    podIP?: string;
    containerStatuses?: {
      containerID?: string;
      restartCount: number;
      state?: { running?: { startedAt: string } };
    }[];
  };
};

export function agentPod(ctx: NodeSuiteContext): AgentPod {
  const pod = releasePods<AgentPod>(ctx, "agent")[0];
  if (pod === undefined) throw new Error("no agent pod");
  return pod;
}

/** Every `kubewise_agent_*` series of the agent's /metrics, by name and labels. */
export async function agentMetrics(ip: string): Promise<Map<string, number>> {
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

/** One metric summed over its label sets; undefined while the agent is restarting. */
export async function agentMetric(
  ctx: NodeSuiteContext,
  name: string,
): Promise<number | undefined> {
  const ip = agentPod(ctx).status.podIP;
  if (ip === undefined) return undefined;
  try {
    const series = [...(await agentMetrics(ip)).entries()].filter(
      ([key]) => key === name || key.startsWith(`${name}{`),
    );
    if (series.length === 0) return undefined;
    return series.reduce((sum, [, value]) => sum + value, 0);
  } catch {
    return undefined; // the agent is restarting
  }
}

export type AgentCostSnapshot = {
  containerId: string;
  cpuSeconds: number;
  scrapes: number;
};

const SCRAPES = "kubewise_agent_collection_duration_seconds_count";

/** The running agent's cgroup CPU time and its collection count, to diff against a later one. */
export async function snapshotAgentCost(
  ctx: NodeSuiteContext,
): Promise<AgentCostSnapshot> {
  const pod = agentPod(ctx);
  const containerId = pod.status.containerStatuses?.[0]?.containerID ?? "";
  const scrapes = (await agentMetrics(pod.status.podIP ?? "")).get(SCRAPES);
  if (scrapes === undefined)
    throw new Error(`the agent's /metrics has no ${SCRAPES}`);
  return {
    containerId,
    cpuSeconds: cgroupUsage(containerId).cpuSeconds,
    scrapes,
  };
}

/** CPU per scrape between `before` and now, and the container's RSS now (the same container). */
export async function measureAgentCost(
  ctx: NodeSuiteContext,
  before: AgentCostSnapshot,
) {
  const after = await snapshotAgentCost(ctx);
  if (after.containerId !== before.containerId)
    throw new Error(
      "the agent container restarted during the cost window: no single cgroup to read",
    );
  const usage = cgroupUsage(after.containerId);
  const scrapes = after.scrapes - before.scrapes;
  return {
    scrapes,
    cpuMsPerScrape: ((after.cpuSeconds - before.cpuSeconds) * 1000) / scrapes,
    rssMib: usage.rssBytes / 2 ** 20,
    anonMib: usage.anonBytes / 2 ** 20,
  };
}
