import type { Logger } from "pino";
import type { Registry } from "prom-client";

import type { Scorer } from "../../domain/types";
import type { FederatedConfig } from "../../env";
import type { AgentClient } from "../grpc/agent-client";
import { openHistoryStore, type HistoryStore } from "../history-store";
import { createFederatedClient } from "./fl-client";
import { createFederatedMetrics } from "./fl-metrics";
import { openModelStore } from "./model-store";
import { runInChildProcess } from "./trainer-process";

// The eligibility count re-reads the history in a child: often enough for round selection.
const COUNT_EVERY_MS = 30 * 60_000;
const HOLDOUT_HOURS = 24;

/** Local history + model store + the polling client, wired for main.ts. */
export function startFederatedTraining(options: {
  config: FederatedConfig;
  client: AgentClient;
  readToken: () => string;
  agentId: string;
  bootId: string;
  scorer: Scorer | undefined;
  registry: Registry;
  logger: Logger;
}): { history: HistoryStore; stop: () => Promise<void> } {
  const { config, logger } = options;
  const history = openHistoryStore({
    dir: config.historyDir,
    retentionDays: config.historyDays + 1,
    bootId: options.bootId,
  });
  const modelStore = openModelStore(config.modelDir);
  const saved = modelStore.load();
  if (saved !== undefined && options.scorer?.useModel !== undefined)
    options.scorer
      .useModel(saved)
      .catch((error: unknown) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "saved model unreadable, scoring with the shipped one",
        ),
      );
  const prune = setInterval(() => history.prune(), 3_600_000);
  prune.unref();
  const client = createFederatedClient({
    client: options.client,
    readToken: options.readToken,
    agentId: options.agentId,
    historyDir: config.historyDir,
    scorer: options.scorer,
    modelStore,
    metrics: createFederatedMetrics(options.registry),
    logger,
    runChild: (request) =>
      runInChildProcess(request, {
        heapMb: config.workerHeapMb,
        timeoutMs: config.workerTimeoutMs,
        niceness: 10,
      }),
    pollIntervalMs: config.pollIntervalMs,
    countEveryMs: COUNT_EVERY_MS,
    count: { historyDays: config.historyDays, holdoutHours: HOLDOUT_HOURS },
    deadlineMs: 10_000,
  });
  return {
    history,
    stop: async () => {
      clearInterval(prune);
      await client.stop();
    },
  };
}
