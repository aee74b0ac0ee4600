import {
  toCounterDeltas,
  type CgroupCounters,
} from "../domain/cgroup-counters";
import {
  toKubeletReadings,
  type KubeletReading,
} from "../domain/kubelet-stats";
import type {
  ContainerMeta,
  ContainerSample,
  MetricsSource,
  Scrape,
} from "../domain/types";

export type KubeletSourceOptions = {
  /** e.g. https://$NODE_IP:10250 (RBAC: nodes/stats and nodes/metrics get). */
  baseUrl: string;
  readToken: () => string | undefined;
  timeoutMs: number;
};

function toCounters(r: KubeletReading): CgroupCounters {
  return {
    cpuUsageSeconds: r.cpuUsageSeconds,
    throttledPeriods: r.throttledPeriods,
    periods: null,
    throttledSeconds: r.throttledSeconds,
    // The kubelet already reports the working set (usage - inactive_file).
    memoryUsageBytes: r.memoryWorkingSetBytes,
    inactiveFileBytes: 0,
    rssBytes: r.memoryRssBytes,
    memoryLimitBytes: r.memoryLimitBytes > 0 ? r.memoryLimitBytes : null,
    oomKills: r.oomEvents,
  };
}

function metaOf(r: KubeletReading): ContainerMeta {
  return {
    namespace: r.namespace,
    podName: r.podName,
    podUid: r.podUid,
    containerName: r.containerName,
    containerId: "",
    workloadKind: "Pod",
    workloadName: r.podName,
    cpuRequestMillicores: 0,
    cpuLimitMillicores: 0,
    memoryRequestBytes: 0,
    memoryLimitBytes: Math.round(r.memoryLimitBytes),
  };
}

export function createKubeletSource(
  options: KubeletSourceOptions,
): MetricsSource {
  const previous = new Map<
    string,
    { counters: CgroupCounters; atMs: number }
  >();
  const get = async (path: string) => {
    const token = options.readToken();
    const response = await fetch(new URL(path, options.baseUrl), {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!response.ok)
      throw new Error(`kubelet ${path} answered HTTP ${response.status}`);
    return response;
  };
  return {
    kind: "kubelet",
    async collect(nowMs): Promise<Scrape> {
      const [summary, cadvisor] = await Promise.all([
        get("/stats/summary").then((r): Promise<unknown> => r.json()),
        get("/metrics/cadvisor").then((r) => r.text()),
      ]);
      const { readings, skipped } = toKubeletReadings(summary, cadvisor);
      const samples: ContainerSample[] = [];
      const seen = new Set<string>();
      for (const reading of readings) {
        const key = `${reading.podUid}/${reading.containerName}`;
        const counters = toCounters(reading);
        const before = previous.get(key);
        seen.add(key);
        previous.set(key, { counters, atMs: nowMs });
        if (before === undefined || nowMs <= before.atMs) continue;
        const deltas = toCounterDeltas(
          before.counters,
          counters,
          (nowMs - before.atMs) / 1000,
        );
        samples.push({ meta: metaOf(reading), timestampMs: nowMs, ...deltas });
      }
      for (const key of previous.keys())
        if (!seen.has(key)) previous.delete(key);
      return { samples, skipped: skipped + readings.length - samples.length };
    },
  };
}
