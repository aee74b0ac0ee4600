import {
  Server,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "pino";

import { UnavailableError, ValidationError } from "@kubewise/core";
import { agentV1, createSyncMetricsDecoder } from "@kubewise/proto";

import type { IngestLimits } from "../domain/batch";
import type { Ingester } from "../ingest/ingester";
import type { AggregatorMetrics } from "../metrics";
import { authenticateCalls, toAuthStatus, type Authenticator } from "./auth";
import { judgeBatch } from "./batch-verdict";
import { MAX_MESSAGE_BYTES, toProtoAck } from "./converters";
import {
  createSemaphore,
  safeDecoder,
  withTimeout,
  type Decoded,
} from "./decoding";
import { toGrpcError } from "./errors";
import {
  createFederatedHandlers,
  FEDERATED_DECODERS,
  type FederationPort,
} from "./federated-service";
import { createNodeBindingGuard, type PodPlacement } from "./node-binding";
import { nodeOf } from "./node-capacity";
import { loadServerCredentials, type ServerTlsFiles } from "./tls";

export type AgentServiceOptions = {
  ingester: Ingester;
  authenticator: Authenticator;
  metrics: AggregatorMetrics;
  logger: Logger;
  limits: IngestLimits;
  /** Per stream: messages read but not yet stored before the stream stops reading (flow control). */
  maxQueuedPerStream: number;
  /** Across streams: batches being stored at once (the ingester groups them into transactions). */
  maxConcurrentIngests: number;
  collectionIntervalSeconds: number;
  /** Federated training (GetModelUpdate, UploadGradients, UploadEvaluation); absent = UNIMPLEMENTED. */
  federation?: FederationPort;
  /** A store call slower than this fails the stream and frees its slot (the agent resends). */
  ingestTimeoutMs?: number;
  /**
   * The pods the aggregator watches: when given, a node-bound agent may report only pods scheduled
   * on its node, and a token bound to no node may not stream metrics at all.
   */
  podPlacement?: PodPlacement | undefined;
  /** The cluster this aggregator serves: an agent declaring another one is refused at Register. */
  clusterName?: string;
  /**
   * The UID of this cluster's kube-system namespace (known when the aggregator reads it at start):
   * an agent declaring another UID belongs to another cluster and is refused at Register.
   */
  clusterKubeSystemUid?: string;
  now?: () => number;
};

// Per server: SyncMetrics batches go through a decoder that reuses an agent's decoded containers
// while they stay byte for byte the same (createSyncMetricsDecoder).
const serviceDefinition = () => ({
  ...agentV1.AgentServiceService,
  register: {
    ...agentV1.AgentServiceService.register,
    requestDeserialize: safeDecoder((b) => agentV1.RegisterRequest.decode(b)),
  },
  syncMetrics: {
    ...agentV1.AgentServiceService.syncMetrics,
    requestDeserialize: safeDecoder(createSyncMetricsDecoder().decode),
  },
  getModelUpdate: {
    ...agentV1.AgentServiceService.getModelUpdate,
    requestDeserialize: FEDERATED_DECODERS.getModelUpdate,
  },
  uploadGradients: {
    ...agentV1.AgentServiceService.uploadGradients,
    requestDeserialize: FEDERATED_DECODERS.uploadGradients,
  },
  uploadEvaluation: {
    ...agentV1.AgentServiceService.uploadEvaluation,
    requestDeserialize: FEDERATED_DECODERS.uploadEvaluation,
  },
});

/**
 * Why an agent belongs to another cluster than this aggregator's, if it does: it declares another
 * cluster name, or another kube-system UID than the one this aggregator read at start. What an
 * agent does not declare (older agents, agents without API access) is taken as this cluster's.
 */
export function foreignCluster(
  own: Pick<AgentServiceOptions, "clusterName" | "clusterKubeSystemUid">,
  agent: Pick<
    agentV1.RegisterRequest,
    "agentId" | "clusterName" | "kubeSystemUid"
  >,
): { reason: "name" | "uid"; details: string } | undefined {
  if (
    agent.clusterName !== "" &&
    own.clusterName !== undefined &&
    agent.clusterName !== own.clusterName
  )
    return {
      reason: "name",
      details: `agent ${agent.agentId} declares cluster "${agent.clusterName}" but this aggregator serves cluster "${own.clusterName}": point the agent at its own cluster's aggregator or fix clusterName in the chart values`,
    };
  if (
    agent.kubeSystemUid !== "" &&
    own.clusterKubeSystemUid !== undefined &&
    agent.kubeSystemUid !== own.clusterKubeSystemUid
  )
    return {
      reason: "uid",
      details: `agent ${agent.agentId} runs in the cluster whose kube-system UID is ${agent.kubeSystemUid}, but this aggregator serves cluster "${own.clusterName ?? ""}" (kube-system UID ${own.clusterKubeSystemUid}): it is another cluster under the same name; point the agent at its own cluster's aggregator and give each cluster its own clusterName`,
    };
  return undefined;
}

function createAgentServiceImplementation(
  options: AgentServiceOptions,
): UntypedServiceImplementation {
  const { metrics, logger, ingester } = options;
  const now = options.now ?? Date.now;
  const withSlot = createSemaphore(options.maxConcurrentIngests, () =>
    metrics.ingestBackpressure.inc({ where: "slots" }),
  );
  const ingestTimeoutMs = options.ingestTimeoutMs ?? 30_000;

  const authenticate = authenticateCalls(options.authenticator, () =>
    metrics.authFailures.inc(),
  );

  const refuseForeignNode = createNodeBindingGuard(options);

  const register = async (
    call: ServerUnaryCall<
      Decoded<agentV1.RegisterRequest>,
      agentV1.RegisterResponse
    >,
    callback: sendUnaryData<agentV1.RegisterResponse>,
  ) => {
    const auth = await authenticate(call.metadata.get("authorization")[0]);
    if (!auth.ok)
      return callback({ code: toAuthStatus(auth.code), details: auth.reason });
    if (!call.request.ok)
      return callback({
        code: status.INVALID_ARGUMENT,
        details: call.request.error,
      });
    const { agentId, bootId, nodeName } = call.request.message;
    const foreign = foreignCluster(options, call.request.message);
    if (foreign !== undefined) {
      metrics.foreignClusterAgentsRefused.inc({ reason: foreign.reason });
      logger.warn(
        { agentId, nodeName, reason: foreign.reason },
        foreign.details,
      );
      return callback({
        code: status.FAILED_PRECONDITION,
        details: foreign.details,
      });
    }
    // A pod-bound token names its node: an agent may only speak for the node it runs on.
    const boundNode = auth.principal.nodeName;
    if (boundNode !== undefined && boundNode !== nodeName)
      return callback({
        code: status.PERMISSION_DENIED,
        details: `token is bound to node ${boundNode}, not ${nodeName}`,
      });
    try {
      if (
        !/^[a-zA-Z0-9._:-]{1,128}$/.test(agentId) ||
        !/^[a-zA-Z0-9._:-]{1,128}$/.test(bootId)
      ) {
        throw new ValidationError(
          "agentId and bootId must be 1..128 of [a-zA-Z0-9._:-]",
        );
      }
      await ingester.registerAgent({
        agentId,
        bootId,
        ...nodeOf(nodeName, call.request.message.nodeCapacity),
      });
      callback(null, {
        collectionIntervalSeconds: options.collectionIntervalSeconds,
        maxBatchSamples: options.limits.maxBatchSamples,
        maxMessageBytes: MAX_MESSAGE_BYTES,
        serverTimeMs: now(),
      });
    } catch (error) {
      logger.error({ err: error, agentId }, "register failed");
      callback(
        toGrpcError(
          error instanceof ValidationError
            ? error
            : new UnavailableError("storage unavailable", { cause: error }),
        ),
      );
    }
  };

  const syncMetrics = (
    call: ServerDuplexStream<
      Decoded<agentV1.SyncMetricsRequest>,
      agentV1.SyncMetricsResponse
    >,
  ) => {
    // Batches of one stream are stored concurrently (up to maxQueuedPerStream, and
    // maxConcurrentIngests across streams) while their answers go out in arrival order.
    let pending = 0;
    let answered: Promise<void> = Promise.resolve();
    let closed = false;
    let accepting = true;
    let inputEnded = false;
    const authorization = call.metadata.get("authorization")[0];
    const authPromise = authenticate(authorization);
    // Every batch after the first re-validates the token (verdicts are cached for
    // KUBEWISE_TOKEN_CACHE_SECONDS): a token revoked while its stream is open stops within that window.
    let batchesSeen = 0;
    const currentAuth = () =>
      batchesSeen++ === 0 ? authPromise : authenticate(authorization);
    metrics.activeStreams.inc();
    const fail = (error: { code: status; details: string }) => {
      if (closed) return;
      closed = true;
      call.emit("error", error);
    };
    const close = () => {
      if (closed) return;
      closed = true;
      call.end();
    };
    call.on("cancelled", () => (closed = true));
    call.once("close", () => metrics.activeStreams.dec());

    type Answer = () => void;
    const handle = async (
      incoming: Decoded<agentV1.SyncMetricsRequest>,
    ): Promise<Answer> => {
      const auth = await currentAuth();
      if (!auth.ok)
        return () =>
          fail({ code: toAuthStatus(auth.code), details: auth.reason });
      if (!incoming.ok || incoming.message.batch === undefined) {
        metrics.batchesRejected.inc({ reason: "undecodable" });
        const details = incoming.ok
          ? "SyncMetricsRequest without batch"
          : incoming.error;
        return () => fail({ code: status.INVALID_ARGUMENT, details });
      }
      const raw = incoming.message.batch;
      const receivedAtMs = now();
      const verdict = judgeBatch(raw, {
        limits: options.limits,
        nowMs: receivedAtMs,
        metrics,
        logger,
      });
      if (!verdict.ok) return () => call.write(verdict.reject);
      const { batch } = verdict;
      const refusal = refuseForeignNode(raw, auth.principal.nodeName);
      if (refusal !== undefined) return () => fail(refusal);
      const end = metrics.ingestDuration.startTimer();
      try {
        const result = await withSlot(() =>
          withTimeout(ingester.ingest(batch), ingestTimeoutMs),
        );
        end();
        metrics.batchesAcked.inc({ duplicate: String(result.duplicate) });
        metrics.samplesIngested.inc(result.storedSamples);
        metrics.agentDroppedBatches.set(
          { agent_id: batch.agentId },
          batch.droppedBatchesTotal,
        );
        const ack = toProtoAck(batch, result, receivedAtMs);
        return () => call.write(ack);
      } catch (error) {
        metrics.ingestFailures.inc();
        logger.error(
          { err: error, agentId: batch.agentId, seq: batch.seq },
          "ingest failed, closing stream so the agent retries",
        );
        return () =>
          fail(
            toGrpcError(
              new UnavailableError("storage unavailable", { cause: error }),
            ),
          );
      }
    };

    call.on("data", (incoming: Decoded<agentV1.SyncMetricsRequest>) => {
      if (closed || !accepting) return;
      // The stream fails at an undecodable message: later ones are not started, so the agent's
      // oldest unacked batch is the culprit.
      if (!incoming.ok || incoming.message.batch === undefined)
        accepting = false;
      pending++;
      if (pending >= options.maxQueuedPerStream) {
        metrics.ingestBackpressure.inc({ where: "stream" });
        call.pause();
      }
      const answer = handle(incoming).catch(
        (error: unknown): Answer =>
          () =>
            fail(toGrpcError(error)),
      );
      answered = answered.then(async () => {
        const respond = await answer;
        pending--;
        if (closed) return;
        respond();
        if (pending < options.maxQueuedPerStream) call.resume();
        if (inputEnded && pending === 0) close();
      });
    });
    call.on("end", () => {
      inputEnded = true;
      void answered.then(async () => {
        const auth = await authPromise;
        if (!auth.ok)
          fail({ code: toAuthStatus(auth.code), details: auth.reason });
        else if (pending === 0) close();
      });
    });
  };

  const federated = createFederatedHandlers({
    federation: options.federation,
    authenticate,
    metrics,
    logger,
  });

  return {
    register: (
      call: ServerUnaryCall<
        Decoded<agentV1.RegisterRequest>,
        agentV1.RegisterResponse
      >,
      callback: sendUnaryData<agentV1.RegisterResponse>,
    ) => void register(call, callback),
    syncMetrics,
    ...federated,
  };
}

export type RunningGrpcServer = {
  port: number;
  server: Server;
  stop: () => Promise<void>;
};

export async function startGrpcServer(
  options: AgentServiceOptions & {
    host: string;
    port: number;
    /** Serving certificate and key (PEM); plaintext without (demo and tests only). */
    tls?: ServerTlsFiles | undefined;
    /** GOAWAY after this age (grpc-js adds +-10 % jitter), so streams rebalance over replicas. */
    maxConnectionAgeMs?: number;
    maxConnectionAgeGraceMs?: number;
  },
): Promise<RunningGrpcServer> {
  const server = new Server({
    ...(options.maxConnectionAgeMs === undefined
      ? {}
      : { "grpc.max_connection_age_ms": options.maxConnectionAgeMs }),
    ...(options.maxConnectionAgeGraceMs === undefined
      ? {}
      : {
          "grpc.max_connection_age_grace_ms": options.maxConnectionAgeGraceMs,
        }),
    // Our own limit (MAX_MESSAGE_BYTES) answers INVALID_ARGUMENT; grpc-js's hard cap is above it.
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES * 2,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 5_000,
  });
  server.addService(
    serviceDefinition(),
    createAgentServiceImplementation(options),
  );
  const tls = await loadServerCredentials(options.tls);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${options.host}:${options.port}`,
      tls.credentials,
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  ).catch((error: unknown) => {
    tls.close();
    throw error;
  });
  return {
    port,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          tls.close();
          resolve();
        });
      }),
  };
}
