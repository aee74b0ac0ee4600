import type { ContainerMeta, ContainerSample } from "./types";

const SYNTHETIC_PROFILES = ["web", "leak", "spiky", "batch", "steady"] as const;
type SyntheticProfile = (typeof SYNTHETIC_PROFILES)[number];

export type SyntheticContainer = {
  meta: ContainerMeta;
  profile: SyntheticProfile;
  baseCpuCores: number;
  baseMemoryBytes: number;
  phase: number;
};

export type SyntheticValues = Omit<ContainerSample, "meta" | "timestampMs">;

const MIB = 1048576;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const LEAK_PERIOD_MS = 2 * DAY_MS;

/** Deterministic hash of integers to [0, 1): the same (seed, container, time) always gives the same noise. */
function hashUnit(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h ^= part | 0;
    h = Math.imul(h, 0x01000193);
    h ^= Math.floor(part / 2 ** 32);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  }
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

function profileOf(index: number): SyntheticProfile {
  return SYNTHETIC_PROFILES[index % SYNTHETIC_PROFILES.length] ?? "steady";
}

export function createSyntheticFleet(options: {
  seed: number;
  containers: number;
  namespace: string;
  nodeName: string;
}): SyntheticContainer[] {
  return Array.from({ length: options.containers }, (_, i) => {
    const profile = profileOf(i);
    const r = hashUnit(options.seed, i, 1);
    const workloadName = `${profile}-${Math.floor(i / SYNTHETIC_PROFILES.length)}`;
    const baseCpuCores = 0.05 + r * 0.9;
    const baseMemoryBytes = Math.round(
      (64 + hashUnit(options.seed, i, 2) * 960) * MIB,
    );
    const podUid = `${(options.seed >>> 0).toString(16).padStart(8, "0")}-5e00-4000-8000-${i.toString(16).padStart(12, "0")}`;
    return {
      profile,
      baseCpuCores,
      baseMemoryBytes,
      phase: hashUnit(options.seed, i, 3) * DAY_MS,
      meta: {
        namespace: options.namespace,
        podName: `${workloadName}-${options.nodeName}`,
        podUid,
        containerName: "app",
        containerId: podUid.replaceAll("-", "").padEnd(64, "0"),
        workloadKind: profile === "batch" ? "Job" : "Deployment",
        workloadName,
        cpuRequestMillicores: Math.round(baseCpuCores * 1500),
        cpuLimitMillicores: Math.round(baseCpuCores * 3000),
        memoryRequestBytes: Math.round(baseMemoryBytes * 1.5),
        memoryLimitBytes: Math.round(baseMemoryBytes * 2),
      },
    };
  });
}

function cpuShape(c: SyntheticContainer, tMs: number, noise: number): number {
  const day = Math.sin((2 * Math.PI * (tMs + c.phase)) / DAY_MS);
  const weekday = new Date(tMs).getUTCDay();
  const weekend = weekday === 0 || weekday === 6 ? 0.5 : 1;
  switch (c.profile) {
    case "web":
      return c.baseCpuCores * weekend * (1 + 0.6 * day) * (0.85 + 0.3 * noise);
    case "spiky":
      return c.baseCpuCores * (noise > 0.97 ? 4 : 0.6 + 0.2 * noise);
    case "batch": {
      const running = (tMs + c.phase) % (6 * HOUR_MS) < HOUR_MS;
      return running ? c.baseCpuCores * (2 + noise) : 0.005 * noise;
    }
    case "leak":
    case "steady":
      return c.baseCpuCores * (0.9 + 0.2 * noise);
  }
}

/** Values of one synthetic container at simulated time tMs (stateless, seeded). */
export function syntheticValuesAt(
  c: SyntheticContainer,
  at: { seed: number; tMs: number; stepMs: number },
): SyntheticValues {
  const { seed, tMs, stepMs } = at;
  const index = Number.parseInt(c.meta.podUid.slice(-12), 16);
  const noise = hashUnit(seed, index, Math.floor(tMs / stepMs));
  const cpuUsageCores = cpuShape(c, tMs, noise);
  const limitCores = c.meta.cpuLimitMillicores / 1000;
  const over = Math.max(0, cpuUsageCores - limitCores);
  const periods = Math.round((stepMs / 100) * Math.min(1, over / limitCores));
  let memory = c.baseMemoryBytes * (0.95 + 0.1 * noise);
  let oomKillCount = 0;
  if (c.profile === "leak") {
    // Grows until it hits the limit, gets OOM-killed and restarts (new leak cycle).
    const cycle = (tMs + c.phase) % LEAK_PERIOD_MS;
    memory =
      c.baseMemoryBytes +
      (cycle / LEAK_PERIOD_MS) * (c.meta.memoryLimitBytes - c.baseMemoryBytes);
    oomKillCount = cycle < stepMs ? 1 : 0;
  }
  const workingSet = Math.round(Math.min(memory, c.meta.memoryLimitBytes));
  return {
    cpuUsageCores: Math.min(cpuUsageCores, limitCores),
    cpuThrottledPeriods: periods,
    // Every container has a CPU limit, so CFS periods elapse whenever it runs.
    cpuPeriods: cpuUsageCores > 0 ? Math.round(stepMs / 100) : 0,
    cpuThrottledSeconds: (periods * over) / 10,
    memoryWorkingSetBytes: workingSet,
    memoryRssBytes: Math.round(workingSet * 0.8),
    memoryLimitBytes: c.meta.memoryLimitBytes,
    oomKillCount,
  };
}
