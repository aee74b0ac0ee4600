import { agentV1 } from "@kubewise/proto";

import type { IngestAnomaly } from "../domain/batch";

const MAX_FLAGS = 5_000;
const MAX_DETAILS = 16;
const DETAIL_KEY = /^[a-z0-9_]{1,64}$/;
const MAX_TIME_TO_LIMIT_S = 2 ** 31 - 1;

const KINDS: Partial<Record<agentV1.AnomalyKind, IngestAnomaly["kind"]>> = {
  [agentV1.AnomalyKind.ANOMALY_KIND_MEMORY_LEAK]: "leak",
  [agentV1.AnomalyKind.ANOMALY_KIND_CPU_SPIKE]: "cpu_spike",
  [agentV1.AnomalyKind.ANOMALY_KIND_OOM_RISK]: "oom_risk",
};
const SEVERITIES: Partial<
  Record<agentV1.AnomalySeverity, IngestAnomaly["severity"]>
> = {
  [agentV1.AnomalySeverity.ANOMALY_SEVERITY_INFO]: "info",
  [agentV1.AnomalySeverity.ANOMALY_SEVERITY_WARNING]: "warning",
  [agentV1.AnomalySeverity.ANOMALY_SEVERITY_CRITICAL]: "critical",
};

type Report = (path: string, message: string) => void;

function checkDetails(
  details: Record<string, number>,
  path: string,
  report: Report,
): void {
  const entries = Object.entries(details);
  if (entries.length > MAX_DETAILS)
    report(path, `at most ${MAX_DETAILS} entries`);
  for (const [key, value] of entries) {
    if (!DETAIL_KEY.test(key)) report(path, `bad key ${JSON.stringify(key)}`);
    if (!Number.isFinite(value)) report(`${path}.${key}`, "must be finite");
  }
}

function checkFlagTimes(
  flag: agentV1.AnomalyFlag,
  context: { path: string; fromMs: number; toMs: number },
  report: Report,
): void {
  const { path } = context;
  const at = flag.detectedAtMs;
  if (!Number.isInteger(at) || at < context.fromMs || at > context.toMs)
    report(
      `${path}.detectedAtMs`,
      "must be an integer time in the sample range",
    );
  const ttl = flag.timeToLimitSeconds;
  if (
    ttl !== undefined &&
    !(Number.isFinite(ttl) && ttl >= 0 && ttl <= MAX_TIME_TO_LIMIT_S)
  )
    report(
      `${path}.timeToLimitSeconds`,
      `must be in [0, ${MAX_TIME_TO_LIMIT_S}]`,
    );
}

function fromProtoFlag(
  flag: agentV1.AnomalyFlag,
  context: { path: string; containers: number; fromMs: number; toMs: number },
  report: Report,
): IngestAnomaly | undefined {
  const { path } = context;
  const kind = KINDS[flag.kind];
  const severity = SEVERITIES[flag.severity];
  if (kind === undefined) report(`${path}.kind`, "unknown anomaly kind");
  if (severity === undefined) report(`${path}.severity`, "unknown severity");
  if (flag.containerIndex >= context.containers)
    report(`${path}.containerIndex`, "must index containers");
  checkFlagTimes(flag, context, report);
  checkDetails(flag.details, `${path}.details`, report);
  if (kind === undefined || severity === undefined) return undefined;
  const ttl = flag.timeToLimitSeconds;
  return {
    containerIndex: flag.containerIndex,
    kind,
    severity,
    detectedAtMs: flag.detectedAtMs,
    timeToLimitSeconds: ttl === undefined ? null : Math.round(ttl),
    details: flag.details,
  };
}

/** Validates a batch's anomaly report; problems are reported like any other field of the batch. */
export function fromProtoAnomalyReport(
  report: agentV1.AnomalyReport | undefined,
  context: { containers: number; fromMs: number; toMs: number },
  problem: Report,
): IngestAnomaly[] {
  const flags = report?.flags ?? [];
  if (flags.length > MAX_FLAGS) {
    problem("anomalyReport.flags", `at most ${MAX_FLAGS} flags`);
    return [];
  }
  return flags
    .map((flag, i) =>
      fromProtoFlag(
        flag,
        { ...context, path: `anomalyReport.flags[${i}]` },
        problem,
      ),
    )
    .filter((a): a is IngestAnomaly => a !== undefined);
}
