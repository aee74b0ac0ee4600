import fc from "fast-check";
import type { TransactionSql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../testing";
import { copyBinaryIn, pipelinedCopyTransaction } from "./copy-binary";
import {
  ensureClusterByName,
  insertIngestBatch,
  registerAgent,
  resolveContainerIds,
  type IngestSamples,
} from "./ingest";
import { COPY_SAMPLES, encodeSamplesForCopy } from "./sample-copy";

let t: TestDatabase;
let containerIds: string[] = [];
let clusterId = "";
beforeAll(async () => {
  t = await createTestDatabase();
  clusterId = await ensureClusterByName(t.sql, `copy-${Date.now()}`);
  await registerAgent(t.sql, { agentId: "copy-agent", clusterId, bootId: "b" });
  containerIds = await resolveContainerIds(
    t.sql,
    clusterId,
    ["a", "b", "c"].map((name) => ({
      namespace: "copy",
      workloadKind: "Deployment",
      workloadName: `copy-${Date.now()}`,
      containerName: name,
      cpuRequestMillicores: 0,
      cpuLimitMillicores: 0,
      memoryRequestBytes: 0,
      memoryLimitBytes: 0,
    })),
  );
});
afterAll(() => t.close());

type Row = {
  containerIndex: number;
  timestampMs: number;
  cpuUsageCores: number;
  cpuThrottledPeriods: number;
  cpuThrottledSeconds: number;
  memoryWorkingSetBytes: number;
  memoryRssBytes: number;
  memoryLimitBytes: number;
  oomKillCount: number;
};

const toColumns = (rows: readonly Row[]): IngestSamples => ({
  containerIndex: rows.map((r) => r.containerIndex),
  timestampMs: rows.map((r) => r.timestampMs),
  cpuUsageCores: rows.map((r) => r.cpuUsageCores),
  cpuThrottledPeriods: rows.map((r) => r.cpuThrottledPeriods),
  cpuThrottledSeconds: rows.map((r) => r.cpuThrottledSeconds),
  memoryWorkingSetBytes: rows.map((r) => r.memoryWorkingSetBytes),
  memoryRssBytes: rows.map((r) => r.memoryRssBytes),
  memoryLimitBytes: rows.map((r) => r.memoryLimitBytes),
  oomKillCount: rows.map((r) => r.oomKillCount),
});

const bytes = fc.integer({ min: 0, max: 2 ** 50 });
const rowArbitrary = fc.record({
  containerIndex: fc.integer({ min: 0, max: 2 }),
  // Before and after the PostgreSQL epoch (2000-01-01), whole milliseconds.
  timestampMs: fc.integer({ min: -(2 ** 40), max: 2 ** 42 }),
  cpuUsageCores: fc.double({ min: 0, max: 4096, noNaN: true }),
  cpuThrottledPeriods: fc.integer({ min: 0, max: 1e9 }),
  cpuThrottledSeconds: fc.double({ min: 0, max: 1e7, noNaN: true }),
  memoryWorkingSetBytes: bytes,
  memoryRssBytes: bytes,
  memoryLimitBytes: fc.oneof(fc.constant(0), bytes),
  oomKillCount: fc.integer({ min: 0, max: 1e6 }),
});

let seq = 0;
const nextSeq = () => ++seq;

describe("binary COPY of samples", () => {
  it("stores every value exactly as sent (0 memory limit as NULL)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArbitrary, { minLength: 1, maxLength: 40 }),
        async (rows) => {
          const s = nextSeq();
          await insertIngestBatch(t.sql, {
            clusterId,
            agentId: "copy-agent",
            bootId: "b",
            seq: s,
            containerIds,
            samples: toColumns(rows),
          });
          const stored = await t.sql<{ r: Row }[]>`
            select json_build_object(
              'containerIndex', array_position(${containerIds}::uuid[], container_id) - 1,
              'timestampMs', (extract(epoch from ts) * 1000)::float8,
              'cpuUsageCores', cpu_usage_cores, 'cpuThrottledPeriods', cpu_throttled_periods,
              'cpuThrottledSeconds', cpu_throttled_seconds,
              'memoryWorkingSetBytes', memory_working_set_bytes, 'memoryRssBytes', memory_rss_bytes,
              'memoryLimitBytes', coalesce(memory_limit_bytes, 0), 'oomKillCount', oom_kill_count) as r
            from metric_samples where container_id = any(${containerIds}::uuid[])`;
          await t.sql`delete from metric_samples where container_id = any(${containerIds}::uuid[])`;
          const key = (r: Row) => JSON.stringify(r);
          expect(stored.map((x) => key(x.r)).sort()).toEqual(
            rows.map(key).sort(),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  const corruptions = [
    ["a corrupt first row", (p: Buffer) => p.writeInt16BE(3, 19)],
    ["a corrupt last row", (p: Buffer) => p.writeInt32BE(7, p.length - 10)],
    ["a missing trailer", (p: Buffer) => p.writeInt16BE(9, p.length - 2)],
  ] as const;
  const threeContainers = (n: number) =>
    encodeSamplesForCopy({
      containerIds,
      samples: toColumns(
        Array.from({ length: n }, (_, i) => ({
          containerIndex: i % 3,
          timestampMs: Date.UTC(2026, 0, 1) + i * 1000,
          cpuUsageCores: 0.5,
          cpuThrottledPeriods: 1,
          cpuThrottledSeconds: 0.1,
          memoryWorkingSetBytes: 1e6,
          memoryRssBytes: 1e6,
          memoryLimitBytes: 0,
          oomKillCount: 0,
        })),
      ),
    });
  const keyRows = async (s: number) =>
    Number(
      (
        await t.sql<{ n: string }[]>`
          select count(*) as n from ingest_batches where agent_id = 'copy-agent' and seq = ${s}`
      )[0]?.n,
    );
  it.each(corruptions)(
    "rejects, rolls back and frees the connection when PostgreSQL refuses %s",
    async (_, corrupt) => {
      const payload = threeContainers(3000);
      corrupt(payload);
      const s = nextSeq();
      const attempt = t.sql.begin((tx) =>
        copyBinaryIn(tx, {
          statement: COPY_SAMPLES,
          payload,
          confirm: () =>
            tx`insert into ingest_batches (cluster_id, agent_id, boot_id, seq, sample_count) values (${clusterId}, 'copy-agent', 'b', ${s}, 3000) returning 1`,
        }),
      );
      await expect(attempt).rejects.toThrow();
      expect(await keyRows(s)).toBe(0);
      // The pool still works: the same batch key goes through afterwards.
      expect(
        await insertIngestBatch(t.sql, {
          clusterId,
          agentId: "copy-agent",
          bootId: "b",
          seq: s,
          containerIds,
          samples: toColumns([]),
        }),
      ).toEqual({ duplicate: false, storedSamples: 0 });
    },
    10_000,
  );

  const insertKey = (s: number) => (c: TransactionSql) =>
    c<{ seq: string }[]>`
      insert into ingest_batches (cluster_id, agent_id, boot_id, seq, sample_count)
      values (${clusterId}, 'copy-agent', 'b', ${s}, 3000) returning seq`;

  it.each(corruptions)(
    "pipelined: rejects, rolls the first statement back and frees the connection when PostgreSQL refuses %s",
    async (_, corrupt) => {
      const payload = threeContainers(3000);
      corrupt(payload);
      const s = nextSeq();
      await expect(
        pipelinedCopyTransaction(t.sql, {
          first: insertKey(s),
          statement: COPY_SAMPLES,
          payload: () => payload,
        }),
      ).rejects.toThrow();
      expect(await keyRows(s)).toBe(0);
      // Every connection of the pool is clean: as many transactions at once as it has all commit.
      const seqs = Array.from({ length: 12 }, nextSeq);
      const stored = await Promise.all(
        seqs.map((q) =>
          pipelinedCopyTransaction(t.sql, {
            first: insertKey(q),
            statement: COPY_SAMPLES,
            payload: () => threeContainers(3),
          }),
        ),
      );
      expect(stored.map((rows) => rows.map((r) => Number(r.seq)))).toEqual(
        seqs.map((q) => [q]),
      );
    },
    20_000,
  );

  it("pipelined: a failing first statement fails the COPY behind it and commits nothing", async () => {
    const s = nextSeq();
    let payloadAsked = false;
    await expect(
      pipelinedCopyTransaction(t.sql, {
        // No such agent: the batch key's foreign key refuses it.
        first: (c) => c<{ seq: string }[]>`
          insert into ingest_batches (cluster_id, agent_id, boot_id, seq, sample_count)
          values (${clusterId}, 'copy-agent-unregistered', 'b', ${s}, 3) returning seq`,
        statement: COPY_SAMPLES,
        payload: () => {
          payloadAsked = true;
          return threeContainers(3);
        },
      }),
    ).rejects.toThrow(/foreign key/);
    expect(payloadAsked).toBe(false);
    expect(await keyRows(s)).toBe(0);
  });

  it("pipelined: a payload that cannot be built aborts the COPY and rolls back", async () => {
    const s = nextSeq();
    await expect(
      pipelinedCopyTransaction(t.sql, {
        first: insertKey(s),
        statement: COPY_SAMPLES,
        payload: () => {
          throw new RangeError("unsafe integer");
        },
      }),
    ).rejects.toThrow("unsafe integer");
    expect(await keyRows(s)).toBe(0);
    const again = await pipelinedCopyTransaction(t.sql, {
      first: insertKey(s),
      statement: COPY_SAMPLES,
      payload: () => threeContainers(3),
    });
    expect(again.map((r) => Number(r.seq))).toEqual([s]);
    expect(await keyRows(s)).toBe(1);
  });

  it.each([
    ["an index past the containers", { containerIndex: [3] }],
    ["a fractional timestamp", { timestampMs: [1.0001] }],
    ["an unsafe integer", { memoryRssBytes: [2 ** 60] }],
    ["an int4 overflow", { oomKillCount: [2 ** 31] }],
    ["a short column", { cpuUsageCores: [] }],
  ])("refuses to encode %s", (_, override) => {
    const one: Row = {
      containerIndex: 0,
      timestampMs: 0,
      cpuUsageCores: 0,
      cpuThrottledPeriods: 0,
      cpuThrottledSeconds: 0,
      memoryWorkingSetBytes: 0,
      memoryRssBytes: 0,
      memoryLimitBytes: 0,
      oomKillCount: 0,
    };
    expect(() =>
      encodeSamplesForCopy({
        containerIds,
        samples: { ...toColumns([one]), ...override },
      }),
    ).toThrow(RangeError);
  });
});
