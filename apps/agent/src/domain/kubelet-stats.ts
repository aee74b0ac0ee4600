import { z } from "zod";

import { parsePromText } from "./prom-text";

const ContainerStatsSchema = z.object({
  name: z.string(),
  cpu: z
    .object({
      time: z.string(),
      usageCoreNanoSeconds: z.number().nonnegative(),
    })
    .partial()
    .optional(),
  memory: z
    .object({
      workingSetBytes: z.number().nonnegative(),
      rssBytes: z.number().nonnegative(),
    })
    .partial()
    .optional(),
});

const StatsSummarySchema = z.object({
  pods: z
    .array(
      z.object({
        podRef: z.object({
          name: z.string(),
          namespace: z.string(),
          uid: z.string(),
        }),
        containers: z.array(ContainerStatsSchema).default([]),
      }),
    )
    .default([]),
});

/** Cumulative reading of one container from the kubelet. */
export type KubeletReading = {
  namespace: string;
  podName: string;
  podUid: string;
  containerName: string;
  cpuUsageSeconds: number;
  memoryWorkingSetBytes: number;
  memoryRssBytes: number;
  throttledPeriods: number;
  throttledSeconds: number;
  oomEvents: number;
  memoryLimitBytes: number;
};

type CadvisorCounters = Pick<
  KubeletReading,
  "throttledPeriods" | "throttledSeconds" | "oomEvents" | "memoryLimitBytes"
>;

const CADVISOR_FIELDS: Record<string, keyof CadvisorCounters> = {
  container_cpu_cfs_throttled_periods_total: "throttledPeriods",
  container_cpu_cfs_throttled_seconds_total: "throttledSeconds",
  container_oom_events_total: "oomEvents",
  container_spec_memory_limit_bytes: "memoryLimitBytes",
};

const keyOf = (namespace: string, pod: string, container: string) =>
  `${namespace}/${pod}/${container}`;

function parseCadvisor(text: string): Map<string, CadvisorCounters> {
  const out = new Map<string, CadvisorCounters>();
  for (const sample of parsePromText(
    text,
    new Set(Object.keys(CADVISOR_FIELDS)),
  )) {
    const { namespace, pod, container } = sample.labels;
    const field = CADVISOR_FIELDS[sample.name];
    if (
      !namespace ||
      !pod ||
      !container ||
      container === "POD" ||
      field === undefined
    )
      continue;
    const key = keyOf(namespace, pod, container);
    const counters = out.get(key) ?? {
      throttledPeriods: 0,
      throttledSeconds: 0,
      oomEvents: 0,
      memoryLimitBytes: 0,
    };
    counters[field] = Number.isFinite(sample.value) ? sample.value : 0;
    out.set(key, counters);
  }
  return out;
}

const NO_CADVISOR: CadvisorCounters = {
  throttledPeriods: 0,
  throttledSeconds: 0,
  oomEvents: 0,
  memoryLimitBytes: 0,
};

function toReading(
  podRef: { name: string; namespace: string; uid: string },
  c: z.infer<typeof ContainerStatsSchema>,
  cadvisor: Map<string, CadvisorCounters>,
): KubeletReading | undefined {
  const cpu = c.cpu?.usageCoreNanoSeconds;
  const workingSet = c.memory?.workingSetBytes;
  if (cpu === undefined || workingSet === undefined) return undefined;
  return {
    namespace: podRef.namespace,
    podName: podRef.name,
    podUid: podRef.uid,
    containerName: c.name,
    cpuUsageSeconds: cpu / 1e9,
    memoryWorkingSetBytes: workingSet,
    memoryRssBytes: c.memory?.rssBytes ?? 0,
    ...(cadvisor.get(keyOf(podRef.namespace, podRef.name, c.name)) ??
      NO_CADVISOR),
  };
}

/** Joins /stats/summary with /metrics/cadvisor; containers without CPU or memory stats are skipped. */
export function toKubeletReadings(
  summaryJson: unknown,
  cadvisorText: string,
): { readings: KubeletReading[]; skipped: number } {
  const summary = StatsSummarySchema.parse(summaryJson);
  const cadvisor = parseCadvisor(cadvisorText);
  const readings: KubeletReading[] = [];
  let skipped = 0;
  for (const pod of summary.pods) {
    for (const c of pod.containers) {
      const reading = toReading(pod.podRef, c, cadvisor);
      if (reading === undefined) skipped++;
      else readings.push(reading);
    }
  }
  return { readings, skipped };
}
