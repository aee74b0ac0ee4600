import { ValidationError, type FieldErrors } from "@kubewise/core";
import type { agentV1 } from "@kubewise/proto";

import type {
  IngestAnomaly,
  IngestContainer,
  IngestLimits,
  IngestSamples,
  ValidatedBatch,
} from "../domain/batch";
import { fromProtoAnomalyReport } from "./anomaly-converters";
import { newestTimeMs, TimestampsAheadError } from "./timestamps-ahead";

const ID = /^[a-zA-Z0-9._:-]{1,128}$/;
const MAX_NAME = 253;
const MIB = 1048576;
const MAX_BYTES = 2 ** 50;

type ColumnRule = {
  key: keyof IngestSamples;
  min: number;
  max: number;
  integer: boolean;
};

const MAX_PERIODS = 1e9;

const COLUMN_RULES: ColumnRule[] = [
  { key: "cpuUsageCores", min: 0, max: 4096, integer: false },
  { key: "cpuThrottledPeriods", min: 0, max: MAX_PERIODS, integer: true },
  { key: "cpuThrottledSeconds", min: 0, max: 1e7, integer: false },
  { key: "memoryWorkingSetBytes", min: 0, max: MAX_BYTES, integer: true },
  { key: "memoryRssBytes", min: 0, max: MAX_BYTES, integer: true },
  { key: "memoryLimitBytes", min: 0, max: MAX_BYTES, integer: true },
  { key: "oomKillCount", min: 0, max: 1e6, integer: true },
];

class Problems {
  readonly fields: FieldErrors = {};
  count = 0;
  add(path: string, message: string): void {
    this.count++;
    if (Object.keys(this.fields).length < 10)
      (this.fields[path] ??= []).push(message);
  }
}

/** The first value outside [min, max] (or not an integer when asked), -1 when all are fine. */
function firstBad(
  values: readonly number[],
  { min, max, integer }: Pick<ColumnRule, "min" | "max" | "integer">,
): number {
  // A plain loop: this runs on every sample of every batch (findIndex with a closure cost 3x).
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (
      typeof v !== "number" ||
      !(v >= min && v <= max) ||
      (integer && !Number.isInteger(v))
    )
      return i;
  }
  return -1;
}

function checkColumn(
  values: readonly number[],
  rule: Pick<ColumnRule, "min" | "max" | "integer"> & { path: string },
  problems: Problems,
): void {
  const bad = firstBad(values, rule);
  if (bad >= 0)
    problems.add(
      `${rule.path}[${bad}]`,
      `must be a finite ${rule.integer ? "integer" : "number"} in [${rule.min}, ${rule.max}], got ${String(values[bad])}`,
    );
}

/** Kubernetes label bounds: a key is an optional DNS prefix (<= 253) + "/" + a name (<= 63). */
const MAX_LABELS = 64;
const MAX_LABEL_KEY = 317;
const MAX_LABEL_VALUE = 63;

/** Sorted by key, so the same labels always compare (and cache) equal. */
function fromProtoLabels(
  labels: agentV1.PodLabels,
  path: string,
  problems: Problems,
): Record<string, string> {
  const entries = Object.entries(labels.values).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  if (entries.length > MAX_LABELS)
    problems.add(
      path,
      `must hold at most ${MAX_LABELS} labels, got ${entries.length}`,
    );
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_LABEL_KEY)
      problems.add(
        `${path}.${key.slice(0, 64)}`,
        `key must be 1..${MAX_LABEL_KEY} characters`,
      );
    if (value.length > MAX_LABEL_VALUE)
      problems.add(
        `${path}.${key.slice(0, 64)}`,
        `value must be at most ${MAX_LABEL_VALUE} characters`,
      );
  }
  return Object.fromEntries(entries);
}

const LIMITS_RULE = { min: 0, max: MAX_BYTES, integer: true };
const containerPath = (index: number) => `containers[${index}]`;
const nameOk = (value: string) => value.length > 0 && value.length <= MAX_NAME;

function fromProtoContainer(
  c: agentV1.ContainerInfo,
  index: number,
  problems: Problems,
): IngestContainer {
  // Paths are built only for problems (no strings or closures per container: this runs for every
  // container of every batch).
  if (!nameOk(c.namespace))
    problems.add(
      `${containerPath(index)}.namespace`,
      `must be 1..${MAX_NAME} characters`,
    );
  if (!nameOk(c.podName))
    problems.add(
      `${containerPath(index)}.podName`,
      `must be 1..${MAX_NAME} characters`,
    );
  if (!nameOk(c.containerName))
    problems.add(
      `${containerPath(index)}.containerName`,
      `must be 1..${MAX_NAME} characters`,
    );
  const limits = [
    c.cpuRequestMillicores,
    c.cpuLimitMillicores,
    c.memoryRequestBytes,
    c.memoryLimitBytes,
  ];
  if (firstBad(limits, LIMITS_RULE) >= 0)
    checkColumn(
      limits,
      { ...LIMITS_RULE, path: `${containerPath(index)}.requestsAndLimits` },
      problems,
    );
  const labels =
    c.labels &&
    fromProtoLabels(c.labels, `${containerPath(index)}.labels`, problems);
  return {
    ...(labels === undefined ? {} : { labels }),
    namespace: c.namespace,
    // Without owner metadata the pod itself is the workload.
    workloadKind: c.workloadKind || "Pod",
    workloadName: c.workloadName || c.podName,
    containerName: c.containerName,
    cpuRequestMillicores: c.cpuRequestMillicores,
    cpuLimitMillicores: c.cpuLimitMillicores,
    memoryRequestBytes: c.memoryRequestBytes,
    memoryLimitBytes: c.memoryLimitBytes,
  };
}

// Validated containers by the decoded array they came from: the aggregator's decoder returns the
// same array for an agent's batches while their containers stay the same (sync-metrics-decoder),
// so a repeated scrape's containers are validated and converted once. Only valid lists are kept.
const validContainers = new WeakMap<
  readonly agentV1.ContainerInfo[],
  readonly IngestContainer[]
>();

function fromProtoContainers(
  list: readonly agentV1.ContainerInfo[],
  limits: IngestLimits,
  problems: Problems,
): readonly IngestContainer[] {
  const countOk = list.length > 0 && list.length <= limits.maxBatchContainers;
  if (!countOk)
    problems.add(
      "containers",
      `must hold 1..${limits.maxBatchContainers} containers`,
    );
  const known = countOk ? validContainers.get(list) : undefined;
  if (known !== undefined) return known;
  const before = problems.count;
  const containers = list
    .slice(0, limits.maxBatchContainers)
    .map((c, i) => fromProtoContainer(c, i, problems));
  if (countOk && problems.count === before)
    validContainers.set(list, containers);
  return containers;
}

function checkHeader(b: agentV1.MetricBatch, problems: Problems): void {
  if (!ID.test(b.agentId))
    problems.add("agentId", "must be 1..128 of [a-zA-Z0-9._:-]");
  if (!ID.test(b.bootId))
    problems.add("bootId", "must be 1..128 of [a-zA-Z0-9._:-]");
  if (!Number.isSafeInteger(b.seq) || b.seq < 1)
    problems.add("seq", "must be an integer >= 1");
  if (b.nodeName.length > MAX_NAME)
    problems.add("nodeName", `must be at most ${MAX_NAME} characters`);
}

function checkSamples(
  b: agentV1.MetricBatch,
  {
    limits,
    nowMs,
    latestMs,
  }: { limits: IngestLimits; nowMs: number; latestMs: number },
  problems: Problems,
): void {
  const n = b.timestampMs.length;
  // A batch carrying only anomaly flags may have no samples.
  const minSamples = (b.anomalyReport?.flags.length ?? 0) > 0 ? 0 : 1;
  if (n < minSamples || n > limits.maxBatchSamples)
    problems.add(
      "timestampMs",
      `batch must hold ${minSamples}..${limits.maxBatchSamples} samples, got ${n}`,
    );
  for (const key of [
    "containerIndex",
    ...COLUMN_RULES.map((r) => r.key),
  ] as const) {
    if (b[key].length !== n)
      problems.add(key, `has ${b[key].length} values for ${n} samples`);
  }
  checkColumn(
    b.containerIndex,
    {
      min: 0,
      max: b.containers.length - 1,
      integer: true,
      path: "containerIndex",
    },
    problems,
  );
  checkColumn(
    b.timestampMs,
    {
      min: nowMs - limits.maxSampleAgeMs,
      max: latestMs,
      integer: true,
      path: "timestampMs",
    },
    problems,
  );
  for (const rule of COLUMN_RULES)
    checkColumn(b[rule.key], { ...rule, path: rule.key }, problems);
}

// Optional column: empty means the agent does not know the periods (older agent, kubelet source).
function checkPeriods(b: agentV1.MetricBatch, problems: Problems): void {
  const periods = b.cpuPeriods;
  if (periods.length === 0) return;
  const n = b.timestampMs.length;
  if (periods.length !== n)
    problems.add(
      "cpuPeriods",
      `has ${periods.length} values for ${n} samples (send none when unknown)`,
    );
  checkColumn(
    periods,
    { min: 0, max: MAX_PERIODS, integer: true, path: "cpuPeriods" },
    problems,
  );
  const bad = periods.findIndex((p, i) => p < (b.cpuThrottledPeriods[i] ?? 0));
  if (bad >= 0)
    problems.add(
      `cpuPeriods[${bad}]`,
      `must be >= cpuThrottledPeriods (${b.cpuThrottledPeriods[bad]}), got ${periods[bad]}`,
    );
}

/** Validates every field of a batch; throws ValidationError listing the problems (first 10 fields). */
export function fromProtoMetricBatch(
  b: agentV1.MetricBatch,
  limits: IngestLimits,
  nowMs: number,
): ValidatedBatch {
  const problems = new Problems();
  checkHeader(b, problems);
  const containers = fromProtoContainers(b.containers, limits, problems);
  // Times ahead of the clock are checked last: a batch that is otherwise valid is only early.
  const aheadMs = newestTimeMs(b) - nowMs;
  const latestMs = nowMs + Math.max(limits.maxFutureSkewMs, aheadMs);
  checkSamples(b, { limits, nowMs, latestMs }, problems);
  checkPeriods(b, problems);
  const anomalies: IngestAnomaly[] = fromProtoAnomalyReport(
    b.anomalyReport,
    {
      containers: b.containers.length,
      fromMs: nowMs - limits.maxSampleAgeMs,
      toMs: latestMs,
    },
    (path, message) => problems.add(path, message),
  );
  if (problems.count > 0) {
    throw new ValidationError(
      `invalid MetricBatch (${problems.count} problems)`,
      { fieldErrors: problems.fields },
    );
  }
  if (aheadMs > limits.maxFutureSkewMs) throw new TimestampsAheadError(aheadMs);
  const {
    containerIndex,
    timestampMs,
    cpuUsageCores,
    cpuThrottledPeriods,
    cpuThrottledSeconds,
    memoryWorkingSetBytes,
    memoryRssBytes,
    memoryLimitBytes,
    oomKillCount,
  } = b;
  return {
    agentId: b.agentId,
    bootId: b.bootId,
    seq: b.seq,
    nodeName: b.nodeName,
    droppedBatchesTotal: b.droppedBatchesTotal,
    containers,
    samples: {
      containerIndex,
      timestampMs,
      cpuUsageCores,
      cpuThrottledPeriods,
      cpuThrottledSeconds,
      memoryWorkingSetBytes,
      memoryRssBytes,
      memoryLimitBytes,
      oomKillCount,
      ...(b.cpuPeriods.length > 0 ? { cpuPeriods: b.cpuPeriods } : {}),
    },
    ...(anomalies.length > 0 ? { anomalies } : {}),
  };
}

export function toProtoAck(
  batch: Pick<ValidatedBatch, "bootId" | "seq">,
  result: { duplicate: boolean; storedSamples: number },
  serverTimeMs: number,
): agentV1.SyncMetricsResponse {
  return {
    response: {
      $case: "ack",
      value: {
        bootId: batch.bootId,
        seq: batch.seq,
        duplicate: result.duplicate,
        storedSamples: result.storedSamples,
        serverTimeMs,
      },
    },
  };
}

/** retryAfterMs 0: refused for good; > 0: resend after that long (code OUT_OF_RANGE). */
export function toProtoReject(
  batch: { bootId: string; seq: number },
  verdict: {
    code: number;
    message: string;
    serverTimeMs: number;
    retryAfterMs?: number;
  },
): agentV1.SyncMetricsResponse {
  return {
    response: {
      $case: "reject",
      value: {
        bootId: batch.bootId,
        seq: batch.seq,
        code: verdict.code,
        message: verdict.message,
        serverTimeMs: verdict.serverTimeMs,
        retryAfterMs: Math.ceil(verdict.retryAfterMs ?? 0),
      },
    },
  };
}

export const MAX_MESSAGE_BYTES = 4 * MIB;
