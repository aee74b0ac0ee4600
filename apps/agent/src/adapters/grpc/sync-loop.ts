import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";

import type { agentV1 } from "@kubewise/proto";

import { fullJitterDelayMs, type BackoffPolicy } from "../../domain/backoff";
import type { DiskBuffer } from "../disk-buffer";
import type { AgentMetrics } from "../metrics";
import type { AgentClient, RawSyncStream } from "./agent-client";
import { toBufferKey } from "./converters";

export type SyncLoopOptions = {
  client: AgentClient;
  buffer: DiskBuffer;
  register: agentV1.RegisterRequest;
  readToken: () => string;
  metrics: AgentMetrics;
  logger: Logger;
  backoff: BackoffPolicy;
  maxInFlight: number;
  deadlineMs: number;
  /** A stream whose oldest unacked batch is older than this is presumed dead (e.g. blackholed). */
  ackTimeoutMs: number;
  random?: () => number;
};

export type SyncLoop = {
  notify(): void;
  stop(): Promise<void>;
  done: Promise<void>;
};

type StreamState = {
  call: RawSyncStream;
  inFlight: Map<string, number>;
  acked: number;
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", wake);
      resolve();
    };
    // Removed on wake-up: a listener per retry would pile up over a long outage.
    const timer = setTimeout(wake, ms);
    signal.addEventListener("abort", wake, { once: true });
  });
}

/** Delivers buffered batches over SyncMetrics; reconnects with full-jitter backoff (1 s -> 30 s). */
export function startSyncLoop(options: SyncLoopOptions): SyncLoop {
  const { buffer, metrics, logger } = options;
  const random = options.random ?? Math.random;
  const abort = new AbortController();
  let current: StreamState | undefined;

  const pump = () => {
    const state = current;
    if (state === undefined) return;
    for (const record of buffer.pending()) {
      if (state.inFlight.size >= options.maxInFlight) break;
      if (state.inFlight.has(record.key)) continue;
      state.inFlight.set(record.key, Date.now());
      state.call.write(buffer.read(record));
      metrics.batchesSent.inc();
    }
  };

  const onResponse = (
    state: StreamState,
    response: agentV1.SyncMetricsResponse,
  ) => {
    const r = response.response;
    if (r === undefined || r.$case === "command") return;
    const key = toBufferKey(r.value.bootId, r.value.seq);
    state.inFlight.delete(key);
    buffer.ack(key);
    state.acked++;
    if (r.$case === "ack")
      metrics.batchesAcked.inc({ duplicate: String(r.value.duplicate) });
    else {
      metrics.batchesRejected.inc();
      logger.warn(
        { key, code: r.value.code, reason: r.value.message },
        "batch rejected by aggregator, dropped",
      );
    }
    pump();
  };

  const dropOldestInFlight = (state: StreamState, reason: string) => {
    const [oldest] = state.inFlight.keys();
    if (oldest === undefined) return;
    state.inFlight.delete(oldest);
    buffer.ack(oldest);
    metrics.batchesRejected.inc();
    logger.warn(
      { key: oldest, reason },
      "batch refused as undecodable, dropped",
    );
  };

  const runStream = (token: string): Promise<StreamState> =>
    new Promise((resolve) => {
      const state: StreamState = {
        call: options.client.openSync(token),
        inFlight: new Map(),
        acked: 0,
      };
      current = state;
      const watchdog = setInterval(
        () => {
          const oldest = Math.min(...state.inFlight.values());
          if (Date.now() - oldest > options.ackTimeoutMs) {
            logger.warn(
              { inFlight: state.inFlight.size },
              "no ack within timeout, restarting stream",
            );
            state.call.cancel();
          }
        },
        Math.min(1_000, options.ackTimeoutMs),
      );
      const cancel = () => state.call.cancel();
      const finish = (error?: Error) => {
        clearInterval(watchdog);
        abort.signal.removeEventListener("abort", cancel);
        if (current === state) current = undefined;
        if (error) logger.warn({ err: error.message }, "sync stream ended");
        resolve(state);
      };
      state.call.on("data", (response: agentV1.SyncMetricsResponse) =>
        onResponse(state, response),
      );
      state.call.on("error", (error: Error & { code?: number }) => {
        // The server handles a stream's batches in order, so an undecodable one is the oldest in flight.
        if (error.code === status.INVALID_ARGUMENT)
          dropOldestInFlight(state, error.message);
        finish(error);
      });
      state.call.on("end", () => finish());
      abort.signal.addEventListener("abort", cancel, { once: true });
      pump();
    });

  const run = async () => {
    let attempt = 0;
    while (!abort.signal.aborted) {
      try {
        const token = options.readToken();
        await options.client.register(
          options.register,
          token,
          options.deadlineMs,
        );
        metrics.connected.set(1);
        const state = await runStream(token);
        if (state.acked > 0) attempt = 0;
      } catch (error) {
        const code = (error as { code?: number }).code;
        logger.warn(
          {
            err: error instanceof Error ? error.message : String(error),
            code,
            attempt,
          },
          "aggregator unreachable",
        );
        if (code === status.UNAUTHENTICATED) metrics.authFailures.inc();
      }
      metrics.connected.set(0);
      if (abort.signal.aborted) break;
      metrics.reconnects.inc();
      await sleep(
        fullJitterDelayMs(options.backoff, attempt++, random),
        abort.signal,
      );
    }
  };

  const done = run();
  return {
    notify: pump,
    stop: async () => {
      abort.abort();
      await done;
    },
    done,
  };
}
