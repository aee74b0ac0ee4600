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
import { KubeApiError, type KubeTextGetter } from "./kube/kube-http";

export type KubeletSourceOptions = {
  /** GETs against https://<node IP>:10250 (RBAC: nodes/stats and nodes/metrics get). */
  getText: KubeTextGetter;
  timeoutMs: number;
};

const TLS_VERIFY_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
]);

function hintFor(error: unknown): string {
  if (error instanceof KubeApiError && error.statusCode === 401)
    return "; the kubelet rejected the token (it needs webhook authentication and a token with the API server's audience)";
  if (error instanceof KubeApiError && error.statusCode === 403)
    return "; RBAC: the agent's ServiceAccount needs get on nodes/stats and nodes/metrics";
  const code =
    error instanceof Error && "code" in error ? String(error.code) : "";
  return TLS_VERIFY_CODES.has(code)
    ? "; the kubelet's serving certificate is not signed by KUBEWISE_KUBELET_CA_FILE (enable serverTLSBootstrap, give its CA, or set KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY=true)"
    : "";
}

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
    try {
      return await options.getText(path, options.timeoutMs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`kubelet ${path}: ${message}${hintFor(error)}`, {
        cause: error,
      });
    }
  };
  return {
    kind: "kubelet",
    async collect(nowMs): Promise<Scrape> {
      const [summary, cadvisor] = await Promise.all([
        get("/stats/summary").then((body) => JSON.parse(body) as unknown),
        get("/metrics/cadvisor"),
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
