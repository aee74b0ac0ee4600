import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type FixtureTreeOptions = {
  root: string;
  version: "v1" | "v2";
  pods: number;
  containersPerPod: number;
  /** Grows every cumulative counter; call again with a larger tick to advance time. */
  tick: number;
};

export type FixtureContainer = {
  podUid: string;
  containerId: string;
  relative: string;
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

function fixtureContainers(
  options: Pick<FixtureTreeOptions, "version" | "pods" | "containersPerPod">,
): FixtureContainer[] {
  const out: FixtureContainer[] = [];
  for (let p = 0; p < options.pods; p++) {
    const podUid = `${hex(p, 8)}-0000-4000-8000-${hex(p, 12)}`;
    for (let c = 0; c < options.containersPerPod; c++) {
      const containerId = hex(p * 1000 + c, 64);
      const relative =
        options.version === "v2"
          ? `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${podUid.replaceAll("-", "_")}.slice/cri-containerd-${containerId}.scope`
          : `kubepods/burstable/pod${podUid}/${containerId}`;
      out.push({ podUid, containerId, relative });
    }
  }
  return out;
}

function memoryStatV2(i: number, tick: number): string {
  const keys = [
    "file",
    "kernel",
    "kernel_stack",
    "pagetables",
    "sock",
    "shmem",
    "file_mapped",
    "file_dirty",
    "active_anon",
    "active_file",
    "slab",
    "pgfault",
    "pgmajfault",
  ];
  const filler = keys
    .map((k, j) => `${k} ${(i + 1) * (j + 7) * 4096}`)
    .join("\n");
  return `anon ${(50 + i + tick) * 1048576}\n${filler}\ninactive_file ${(10 + i) * 1048576}\n`;
}

/** Writes a realistic cgroup tree (v1 or v2 layout) whose counters grow with `tick`. */
export function writeCgroupFixtureTree(
  options: FixtureTreeOptions,
): FixtureContainer[] {
  const containers = fixtureContainers(options);
  const { root, tick } = options;
  if (options.version === "v2")
    writeFileSync(join(root, "cgroup.controllers"), "cpu memory pids\n");
  containers.forEach((container, i) => {
    const cpuUsec = (i + 1) * 100_000 * tick;
    const usage = (80 + i + tick) * 1048576;
    if (options.version === "v2") {
      const dir = join(root, container.relative);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, "cpu.stat"),
        `usage_usec ${cpuUsec}\nuser_usec ${cpuUsec}\nsystem_usec 0\nnr_periods ${tick * 100}\nnr_throttled ${tick * 3}\nthrottled_usec ${tick * 20_000}\nnr_bursts 0\nburst_usec 0\n`,
      );
      writeFileSync(join(dir, "memory.current"), `${usage}\n`);
      writeFileSync(
        join(dir, "memory.max"),
        i % 2 === 0 ? "max\n" : `${512 * 1048576}\n`,
      );
      writeFileSync(
        join(dir, "memory.events"),
        `low 0\nhigh 0\nmax 0\noom 0\noom_kill ${tick >= 5 && i === 0 ? 1 : 0}\noom_group_kill 0\n`,
      );
      writeFileSync(join(dir, "memory.stat"), memoryStatV2(i, tick));
      return;
    }
    for (const controller of ["cpu", "cpuacct", "memory"])
      mkdirSync(join(root, controller, container.relative), {
        recursive: true,
      });
    const at = (controller: string, file: string) =>
      join(root, controller, container.relative, file);
    writeFileSync(at("cpuacct", "cpuacct.usage"), `${cpuUsec * 1000}\n`);
    writeFileSync(
      at("cpu", "cpu.stat"),
      `nr_periods ${tick * 100}\nnr_throttled ${tick * 3}\nthrottled_time ${tick * 20_000_000}\n`,
    );
    writeFileSync(at("memory", "memory.usage_in_bytes"), `${usage}\n`);
    writeFileSync(
      at("memory", "memory.limit_in_bytes"),
      "9223372036854771712\n",
    );
    writeFileSync(
      at("memory", "memory.oom_control"),
      `oom_kill_disable 0\nunder_oom 0\noom_kill ${tick >= 5 && i === 0 ? 1 : 0}\n`,
    );
    writeFileSync(
      at("memory", "memory.stat"),
      `cache 1\nrss ${(50 + i) * 1048576}\ntotal_rss ${(50 + i + tick) * 1048576}\ntotal_inactive_file ${(10 + i) * 1048576}\n`,
    );
  });
  return containers;
}
