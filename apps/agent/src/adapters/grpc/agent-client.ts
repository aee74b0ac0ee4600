import { readFileSync } from "node:fs";

import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type ChannelCredentials,
  type ClientDuplexStream,
  type ServiceError,
} from "@grpc/grpc-js";

import { agentV1 } from "@kubewise/proto";

// The buffer stores encoded SyncMetricsRequest bytes; send them as they are.
const SERVICE = {
  ...agentV1.AgentServiceService,
  syncMetrics: {
    ...agentV1.AgentServiceService.syncMetrics,
    requestSerialize: (value: Uint8Array): Buffer =>
      Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  },
} as const;

const KEEPALIVE = {
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 1_000,
  "grpc.max_reconnect_backoff_ms": 30_000,
};

export type RawSyncStream = ClientDuplexStream<
  Uint8Array,
  agentV1.SyncMetricsResponse
>;

type Unary<Req, Res> = (
  request: Req,
  token: string,
  deadlineMs: number,
) => Promise<Res>;

export type AgentClient = {
  register: Unary<agentV1.RegisterRequest, agentV1.RegisterResponse>;
  getModelUpdate: Unary<
    agentV1.GetModelUpdateRequest,
    agentV1.GetModelUpdateResponse
  >;
  uploadGradients: Unary<
    agentV1.UploadGradientsRequest,
    agentV1.UploadGradientsResponse
  >;
  uploadEvaluation: Unary<
    agentV1.UploadEvaluationRequest,
    agentV1.UploadEvaluationResponse
  >;
  openSync(token: string): RawSyncStream;
  close(): void;
};

type RawUnary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: Res) => void,
) => void;

type RawClient = {
  register: RawUnary<agentV1.RegisterRequest, agentV1.RegisterResponse>;
  getModelUpdate: RawUnary<
    agentV1.GetModelUpdateRequest,
    agentV1.GetModelUpdateResponse
  >;
  uploadGradients: RawUnary<
    agentV1.UploadGradientsRequest,
    agentV1.UploadGradientsResponse
  >;
  uploadEvaluation: RawUnary<
    agentV1.UploadEvaluationRequest,
    agentV1.UploadEvaluationResponse
  >;
  syncMetrics(metadata: Metadata): RawSyncStream;
  close(): void;
};

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** The aggregator's TLS: the CA that signed its certificate, and the name to check it against. */
export type AggregatorTls = { caFile: string; serverName: string | undefined };

/** TLS settings from KUBEWISE_AGGREGATOR_CA_FILE / _SERVER_NAME: none without a CA (plaintext). */
export function aggregatorTls(
  caFile: string | undefined,
  serverName: string | undefined,
): AggregatorTls | undefined {
  return caFile === undefined ? undefined : { caFile, serverName };
}

/** TLS (verifying the aggregator's certificate against `caFile`) when given, else plaintext. */
export function aggregatorChannel(tls: AggregatorTls | undefined): {
  credentials: ChannelCredentials;
  options: Record<string, string>;
} {
  if (tls === undefined)
    return { credentials: credentials.createInsecure(), options: {} };
  let ca: Buffer;
  try {
    ca = readFileSync(tls.caFile);
  } catch (error) {
    throw new Error(
      `cannot read the aggregator CA ${tls.caFile}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return {
    credentials: credentials.createSsl(ca),
    options:
      tls.serverName === undefined
        ? {}
        : { "grpc.ssl_target_name_override": tls.serverName },
  };
}

export function createAgentClient(
  target: string,
  tls?: AggregatorTls,
): AgentClient {
  const channel = aggregatorChannel(tls);
  const Client = makeGenericClientConstructor(
    SERVICE,
    "kubewise.agent.v1.AgentService",
  );
  // makeGenericClientConstructor types its methods loosely; SERVICE fixes their real shapes.
  const raw = new Client(target, channel.credentials, {
    ...KEEPALIVE,
    ...channel.options,
  }) as unknown as RawClient;
  const unary =
    <Req, Res>(method: RawUnary<Req, Res>, name: string): Unary<Req, Res> =>
    (request, token, deadlineMs) =>
      new Promise((resolve, reject) => {
        method.call(
          raw,
          request,
          bearer(token),
          { deadline: new Date(Date.now() + deadlineMs) },
          (error, response) => {
            if (error) reject(error);
            else if (response) resolve(response);
            else reject(new Error(`${name} returned no response`));
          },
        );
      });
  return {
    register: unary(raw.register, "Register"),
    getModelUpdate: unary(raw.getModelUpdate, "GetModelUpdate"),
    uploadGradients: unary(raw.uploadGradients, "UploadGradients"),
    uploadEvaluation: unary(raw.uploadEvaluation, "UploadEvaluation"),
    openSync: (token) => raw.syncMetrics(bearer(token)),
    close: () => raw.close(),
  };
}
