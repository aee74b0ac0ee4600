import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { writeCgroupFixtureTree } from "../testing/cgroup-fixture-tree";
import { createCgroupfsSource } from "./cgroupfs-source";

const MIB = 1048576;
let root = "";
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe.each(["v1", "v2"] as const)(
  "cgroupfs source on a cgroup %s tree",
  (version) => {
    it("primes on the first scrape, then reports rates, working set and deltas", async () => {
      root = mkdtempSync(join(tmpdir(), `kw-cg-${version}-`));
      const tree = { root, version, pods: 2, containersPerPod: 2 };
      writeCgroupFixtureTree({ ...tree, tick: 1 });
      const source = createCgroupfsSource({ root });

      const first = await source.collect(10_000);
      expect(first).toEqual({ samples: [], skipped: 4 });

      const containers = writeCgroupFixtureTree({ ...tree, tick: 6 });
      const second = await source.collect(20_000);
      expect(second.samples).toHaveLength(4);
      const sample = second.samples.find(
        (s) => s.meta.containerId === containers[0]?.containerId,
      );
      expect(sample).toMatchObject({
        timestampMs: 20_000,
        // 100 ms of CPU per tick, 5 ticks over 10 s
        cpuUsageCores: expect.closeTo(0.05, 9) as number,
        cpuThrottledPeriods: 15,
        // nr_periods grows by 100 per tick
        cpuPeriods: 500,
        cpuThrottledSeconds: expect.closeTo(0.1, 9) as number,
        memoryWorkingSetBytes: (80 + 6 - 10) * MIB,
        memoryRssBytes: (50 + 6) * MIB,
        memoryLimitBytes: 0,
        oomKillCount: 1,
      });
      expect(sample?.meta.podUid).toBe(containers[0]?.podUid);
    });

    it("skips a container whose cgroup vanishes mid-run without throwing", async () => {
      root = mkdtempSync(join(tmpdir(), `kw-cg-${version}-`));
      const tree = { root, version, pods: 1, containersPerPod: 2 };
      const containers = writeCgroupFixtureTree({ ...tree, tick: 1 });
      const source = createCgroupfsSource({ root });
      await source.collect(0);
      const gone = containers[1]!;
      const dirs =
        version === "v2"
          ? [gone.relative]
          : ["cpuacct", "memory"].map((c) => `${c}/${gone.relative}`);
      for (const dir of dirs) rmSync(join(root, dir), { recursive: true });
      writeCgroupFixtureTree({
        ...tree,
        pods: 1,
        containersPerPod: 1,
        tick: 2,
      });
      const fdsBefore = readdirSync("/proc/self/fd").length;
      const scrape = await source.collect(10_000);
      expect(scrape.samples.map((s) => s.meta.containerId)).toEqual([
        containers[0]?.containerId,
      ]);
      // The vanished container's kept descriptors are closed.
      expect(readdirSync("/proc/self/fd").length).toBeLessThan(fdsBefore);
    });
  },
);
