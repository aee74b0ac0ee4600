import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  FEATURE_COUNT,
  initialWeights,
  OUTPUT_SIZE,
  QUANTILE_LEVELS,
} from "@kubewise/ml";

import type { TrainTask } from "../../domain/local-round";
import type { ContainerMeta } from "../../domain/types";
import { openHistoryStore } from "../history-store";
import { runInChildProcess } from "./trainer-process";

const LIMITS = { heapMb: 64, timeoutMs: 120_000, niceness: 10 };
const base = initialWeights(
  { inputSize: FEATURE_COUNT, hiddenSize: 16, outputSize: OUTPUT_SIZE },
  3,
);
let dir: string;

function meta(name: string): ContainerMeta {
  return {
    namespace: "shop",
    podName: `pod-${name}`,
    podUid: `uid-${name}`,
    containerName: name,
    containerId: `cid-${name}`,
    workloadKind: "Deployment",
    workloadName: name,
    cpuRequestMillicores: 500,
    cpuLimitMillicores: 0,
    memoryRequestBytes: 2 ** 30,
    memoryLimitBytes: 0,
  };
}

/** Six days of 5-minute samples for three containers with daily cycles. */
function writeHistory(target: string): void {
  const store = openHistoryStore({
    dir: target,
    retentionDays: 9,
    bootId: "boot-test",
  });
  const containers = ["api", "worker", "cache"].map(meta);
  const start = Date.UTC(2026, 10, 1);
  for (let i = 0; i < 6 * 288; i++) {
    const t = start + i * 300_000;
    store.observe(
      containers.map((m, c) => ({
        meta: m,
        timestampMs: t,
        cpuUsageCores: 0.2 + 0.1 * c + 0.1 * Math.sin((2 * Math.PI * i) / 288),
        cpuThrottledPeriods: 0,
        cpuThrottledSeconds: 0,
        memoryWorkingSetBytes: 3e8 + 1e6 * ((i * (c + 1)) % 97),
        memoryRssBytes: 3e8,
        memoryLimitBytes: 0,
        oomKillCount: 0,
      })),
    );
  }
}

const task = (overrides: Partial<TrainTask> = {}): TrainTask => ({
  kind: "train",
  roundId: "1",
  baseModelVersion: "1",
  base,
  epochs: 1,
  learningRate: 0.005,
  batchSize: 32,
  fedproxMu: 0.01,
  clipNorm: 1,
  dpNoiseMultiplier: 0,
  seed: 42,
  holdoutHours: 24,
  historyDays: 7,
  cpuSecondsBudget: 30,
  quantileLevels: [...QUANTILE_LEVELS],
  ...overrides,
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kw-trainer-"));
  writeHistory(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each case forks real children (tsx transpiles the worker): generous guards, no timing assertions.
describe("runInChildProcess (real child process)", { timeout: 180_000 }, () => {
  it("counts, trains deterministically under a seed and evaluates from the on-disk history", async () => {
    const count = await runInChildProcess(
      {
        historyDir: dir,
        task: { kind: "count", historyDays: 7, holdoutHours: 24 },
      },
      LIMITS,
    );
    expect(count).toEqual({ kind: "count", trainableExamples: 3 * 16 });
    const first = await runInChildProcess(
      { historyDir: dir, task: task() },
      LIMITS,
    );
    const second = await runInChildProcess(
      { historyDir: dir, task: task() },
      LIMITS,
    );
    if (first.kind !== "train" || second.kind !== "train")
      throw new Error("expected train outcomes");
    expect(first.exampleCount).toBe(48);
    expect(first.validationExamples).toBe(3 * 8);
    expect(first.deltaNorm).toBeLessThanOrEqual(1 + 1e-5);
    expect(Array.from(second.delta)).toEqual(Array.from(first.delta));
    expect(first.cpuSeconds).toBeGreaterThan(0);
    const evaluation = await runInChildProcess(
      {
        historyDir: dir,
        task: {
          kind: "evaluate",
          taskId: "2",
          candidateVersion: "2",
          candidate: base,
          baselineVersion: "1",
          baseline: base,
          holdoutHours: 24,
        },
      },
      LIMITS,
    );
    expect(evaluation).toMatchObject({ kind: "evaluate", exampleCount: 24 });
    if (evaluation.kind === "evaluate")
      expect(evaluation.candidateLoss).toBe(evaluation.baselineLoss);
  });

  it("sends partial work when the CPU budget runs out, and is killed at its wall-clock limit", async () => {
    const partial = await runInChildProcess(
      { historyDir: dir, task: task({ epochs: 50, cpuSecondsBudget: 0.05 }) },
      LIMITS,
    );
    expect(partial).toMatchObject({ kind: "train", stoppedEarly: true });
    await expect(
      runInChildProcess(
        { historyDir: dir, task: task({ epochs: 10_000 }) },
        { ...LIMITS, timeoutMs: 300 },
      ),
    ).rejects.toThrow(/exceeded 300 ms/);
  });

  it("reports a failed task instead of hanging", async () => {
    await expect(
      runInChildProcess(
        { historyDir: join(dir, "missing"), task: task() },
        LIMITS,
      ),
    ).rejects.toThrow(/no training windows/);
  });
});
