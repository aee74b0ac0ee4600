import { pino } from "pino";

import { DEFAULT_INGEST_LIMITS } from "../domain/batch";
import { createStaticTokenAuthenticator } from "../grpc/auth";
import {
  startGrpcServer,
  type AgentServiceOptions,
  type RunningGrpcServer,
} from "../grpc/server";
import { createIngester } from "../ingest/ingester";
import { createAggregatorMetrics } from "../metrics";
import { createMemorySampleStore } from "./memory-sample-store";

/** A real AgentService on 127.0.0.1:0 over an in-memory store, with one static token. */
export async function startTestGrpcServer(
  token: string,
  overrides: Partial<AgentServiceOptions> & {
    maxConnectionAgeMs?: number;
    maxConnectionAgeGraceMs?: number;
  } = {},
): Promise<{
  server: RunningGrpcServer;
  memory: ReturnType<typeof createMemorySampleStore>;
  metrics: ReturnType<typeof createAggregatorMetrics>;
}> {
  const memory = createMemorySampleStore();
  const metrics = createAggregatorMetrics();
  const server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    ingester: createIngester(memory.store),
    authenticator: createStaticTokenAuthenticator([token]),
    metrics,
    logger: pino({ level: "silent" }),
    limits: DEFAULT_INGEST_LIMITS,
    maxQueuedPerStream: 4,
    maxConcurrentIngests: 16,
    collectionIntervalSeconds: 10,
    ...overrides,
  });
  return { server, memory, metrics };
}
