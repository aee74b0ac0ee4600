import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";

import type { agentV1 } from "@kubewise/proto";

import { fullJitterDelayMs, type BackoffPolicy } from "../../domain/backoff";
import type { DiskBuffer } from "../disk-buffer";
import type { AgentMetrics } from "../metrics";
import type { Quarantine } from "../quarantine";
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
  /** Where batches the aggregator refuses for good are kept for inspection. */
  quarantine: Quarantine;
  /** A clock offset to the aggregator beyond this is logged as a warning (also a gauge always). */
  clockOffsetWarnMs?: number;
  random?: () => number;
  now?: () => number;
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
  const now = options.now ?? Date.now;
  const abort = new AbortController();
  let current: StreamState | undefined;
  // Batches the aggregator cannot accept yet (OUT_OF_RANGE with retry_after_ms): key -> resend time.
  const deferred = new Map<string, number>();
  let retryTimer: NodeJS.Timeout | undefined;
  let lastDeferLogMs = -Infinity;

  const pump = () => {
    const state = current;
    if (state === undefined) return;
    const at = now();
    for (const record of buffer.pending()) {
      if (state.inFlight.size >= options.maxInFlight) break;
      if (state.inFlight.has(record.key)) continue;
      if ((deferred.get(record.key) ?? -Infinity) > at) continue;
      deferred.delete(record.key);
      state.inFlight.set(record.key, at);
      state.call.write(buffer.read(record));
      metrics.batchesSent.inc();
    }
  };

  const scheduleRetry = () => {
    if (retryTimer !== undefined || deferred.size === 0) return;
    const earliest = Math.min(...deferred.values());
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        pump();
        scheduleRetry();
      },
      Math.max(0, earliest - now()),
    );
    retryTimer.unref();
  };

  // The depth gauge counts what is still unacked now: the collector sets it after each append, and
  // each ack or quarantine lowers it here, so a scrape after the last ack reads 0 (drained). The
  // sent/acked counters cannot say that: a batch resent after a broken stream is sent twice.
  const publishDepth = () =>
    metrics.bufferDepth.set(buffer.stats().depthRecords);

  const quarantine = (
    key: string,
    verdict: { code: number; reason: string },
  ) => {
    const payload = buffer.readKey(key);
    if (payload !== undefined)
      options.quarantine.put(key, payload, { ...verdict, atMs: now() });
    buffer.ack(key);
    publishDepth();
    metrics.batchesRejected.inc();
    metrics.batchesQuarantined.set(options.quarantine.stats().quarantined);
  };

  const defer = (key: string, retryAfterMs: number, reason: string) => {
    deferred.set(key, now() + retryAfterMs);
    metrics.batchesDeferred.inc();
    if (now() - lastDeferLogMs > 60_000) {
      lastDeferLogMs = now();
      logger.warn(
        { key, retryAfterMs, reason },
        "batch not accepted yet (is this node's clock ahead?), kept and resent later",
      );
    }
    scheduleRetry();
  };

  const onResponse = (
    state: StreamState,
    response: agentV1.SyncMetricsResponse,
  ) => {
    const r = response.response;
    if (r === undefined || r.$case === "command") return;
    const key = toBufferKey(r.value.bootId, r.value.seq);
    state.inFlight.delete(key);
    state.acked++;
    if (r.$case === "ack") {
      buffer.ack(key);
      publishDepth();
      metrics.batchesAcked.inc({ duplicate: String(r.value.duplicate) });
    } else if (r.value.retryAfterMs > 0)
      defer(key, r.value.retryAfterMs, r.value.message);
    else {
      quarantine(key, { code: r.value.code, reason: r.value.message });
      logger.warn(
        { key, code: r.value.code, reason: r.value.message },
        "batch rejected by aggregator, kept in the quarantine",
      );
    }
    pump();
  };

  const dropOldestInFlight = (state: StreamState, reason: string) => {
    const [oldest] = state.inFlight.keys();
    if (oldest === undefined) return;
    state.inFlight.delete(oldest);
    quarantine(oldest, { code: status.INVALID_ARGUMENT, reason });
    logger.warn(
      { key: oldest, reason },
      "batch refused as undecodable, kept in the quarantine",
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
          if (now() - oldest > options.ackTimeoutMs) {
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

  // The aggregator's clock at the midpoint of the Register round trip, minus ours.
  const observeClock = (
    serverTimeMs: number,
    sentAt: number,
    receivedAt: number,
  ) => {
    if (serverTimeMs <= 0) return; // an older aggregator
    const offsetMs = serverTimeMs - (sentAt + receivedAt) / 2;
    metrics.clockOffset.set(offsetMs / 1000);
    if (Math.abs(offsetMs) > (options.clockOffsetWarnMs ?? 2_000))
      logger.warn(
        {
          offsetSeconds: Math.round(offsetMs) / 1000,
          roundTripMs: receivedAt - sentAt,
        },
        offsetMs < 0
          ? "this node's clock is ahead of the aggregator's: batches wait until it catches up"
          : "this node's clock is behind the aggregator's: samples are stored at the node's times",
      );
  };

  const run = async () => {
    let attempt = 0;
    while (!abort.signal.aborted) {
      try {
        const token = options.readToken();
        const sentAt = now();
        const registered = await options.client.register(
          options.register,
          token,
          options.deadlineMs,
        );
        observeClock(registered.serverTimeMs, sentAt, now());
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
      clearTimeout(retryTimer);
      await done;
    },
    done,
  };
}
