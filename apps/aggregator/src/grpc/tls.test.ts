import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";

import {
  credentials,
  Metadata,
  status,
  type ServiceError,
} from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import { DEFAULT_INGEST_LIMITS } from "../domain/batch";
import { createIngester } from "../ingest/ingester";
import { createAggregatorMetrics } from "../metrics";
import { createMemorySampleStore } from "../testing/memory-sample-store";
import { createStaticTokenAuthenticator } from "./auth";
import { startGrpcServer, type RunningGrpcServer } from "./server";
import { loadServerCredentials, type ServerTlsFiles } from "./tls";

const FIXTURES = join(import.meta.dirname, "__fixtures__", "tls");
const TOKEN = "tls-test-token-0123456789";
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

let server: RunningGrpcServer;

const startTlsServer = (tls: ServerTlsFiles) =>
  startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    tls,
    ingester: createIngester(createMemorySampleStore().store),
    authenticator: createStaticTokenAuthenticator([TOKEN]),
    metrics: createAggregatorMetrics(),
    logger: pino({ level: "silent" }),
    limits: DEFAULT_INGEST_LIMITS,
    maxQueuedPerStream: 2,
    maxConcurrentIngests: 1,
    collectionIntervalSeconds: 10,
  });

beforeAll(async () => {
  server = await startTlsServer({
    certFile: join(FIXTURES, "server.crt"),
    keyFile: join(FIXTURES, "server.key"),
  });
});
afterAll(() => server.stop());

function register(
  channel: ReturnType<typeof credentials.createSsl>,
  options: Record<string, string> = {},
  port = server.port,
): Promise<ServiceError | null> {
  const client = new agentV1.AgentServiceClient(
    `127.0.0.1:${port}`,
    channel,
    options,
  );
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${TOKEN}`);
  return new Promise((resolve) =>
    client.register(
      {
        agentId: "a",
        bootId: "b",
        nodeName: "n",
        agentVersion: "1",
        clusterName: "",
        kubeSystemUid: "",
        sourceKind: 0,
      },
      metadata,
      { deadline: new Date(Date.now() + 5_000) },
      (error) => {
        client.close();
        resolve(error);
      },
    ),
  );
}

/**
 * A bare TLS handshake limited to `version` (OpenSSL's security level lowered so the client itself
 * can offer TLS 1.0/1.1): resolves with the protocol agreed, or the error.
 */
function handshake(
  version: tls.SecureVersion,
  port = server.port,
): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ciphers: "DEFAULT@SECLEVEL=0",
      ca: fixture("ca.crt"),
      servername: "localhost",
      ALPNProtocols: ["h2"],
      minVersion: version,
      maxVersion: version,
    });
    socket.once("secureConnect", () => {
      resolve(socket.getProtocol() ?? "none");
      socket.destroy();
    });
    socket.once("error", (error: Error) => resolve(`error: ${error.message}`));
  });
}

describe("TLS on the agents' link", () => {
  it("serves agents that verify its certificate against the CA", async () => {
    expect(await register(credentials.createSsl(fixture("ca.crt")))).toBeNull();
  });

  it("checks the name the agent asks for (an IP target with the Service's DNS name)", async () => {
    const named = await register(credentials.createSsl(fixture("ca.crt")), {
      "grpc.ssl_target_name_override": "kubewise-aggregator",
    });
    expect(named).toBeNull();
    const wrong = await register(credentials.createSsl(fixture("ca.crt")), {
      "grpc.ssl_target_name_override": "evil.example",
    });
    expect(wrong?.code).toBe(status.UNAVAILABLE);
  });

  it("is refused by an agent that trusts another CA, and refuses plaintext", async () => {
    const otherCa = await register(
      credentials.createSsl(fixture("other-ca.crt")),
    );
    expect(otherCa?.code).toBe(status.UNAVAILABLE);
    const plaintext = await register(credentials.createInsecure());
    expect(plaintext?.code).toBe(status.UNAVAILABLE);
  });

  it("speaks TLS 1.2 and 1.3, never 1.1 or older", async () => {
    expect(await handshake("TLSv1.3")).toBe("TLSv1.3");
    expect(await handshake("TLSv1.2")).toBe("TLSv1.2");
    expect(await handshake("TLSv1.1")).toMatch(/^error: .*protocol version/);
    expect(await handshake("TLSv1")).toMatch(/^error: .*protocol version/);
  });

  it("(control) the handshake client above can speak TLS 1.1 to a server that allows it", async () => {
    const lax = tls.createServer(
      {
        cert: fixture("server.crt"),
        key: fixture("server.key"),
        minVersion: "TLSv1",
        ciphers: "DEFAULT@SECLEVEL=0",
      },
      (socket) => socket.end(),
    );
    await new Promise<void>((resolve) => lax.listen(0, "127.0.0.1", resolve));
    const address = lax.address();
    const port =
      typeof address === "object" && address !== null ? address.port : 0;
    try {
      expect(await handshake("TLSv1.1", port)).toBe("TLSv1.1");
    } finally {
      lax.close();
    }
  });

  it("names the file it cannot read", async () => {
    await expect(
      loadServerCredentials({ certFile: "/nonexistent.crt", keyFile: "/k" }),
    ).rejects.toThrow(/cannot read the gRPC TLS certificate \/nonexistent.crt/);
  });
});

describe("a rotated serving certificate", () => {
  let dir: string;
  let rotating: RunningGrpcServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubewise-tls-"));
    await copyFile(join(FIXTURES, "server.crt"), join(dir, "tls.crt"));
    await copyFile(join(FIXTURES, "server.key"), join(dir, "tls.key"));
    rotating = await startTlsServer({
      certFile: join(dir, "tls.crt"),
      keyFile: join(dir, "tls.key"),
      refreshIntervalMs: 50,
    });
  });
  afterAll(async () => {
    await rotating?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("is served to new connections once the files change, without a restart", async () => {
    const trusting = (ca: string) =>
      register(credentials.createSsl(fixture(ca)), {}, rotating.port);
    expect(await trusting("ca.crt")).toBeNull();
    expect((await trusting("rotated-ca.crt"))?.code).toBe(status.UNAVAILABLE);

    // as the kubelet updates a mounted Secret: new files, then one rename
    await mkdir(join(dir, "next"));
    await copyFile(join(FIXTURES, "rotated.crt"), join(dir, "next", "tls.crt"));
    await copyFile(join(FIXTURES, "rotated.key"), join(dir, "next", "tls.key"));
    await rename(join(dir, "next", "tls.key"), join(dir, "tls.key"));
    await rename(join(dir, "next", "tls.crt"), join(dir, "tls.crt"));

    // the provider reads the files every 50 ms: wait for the first handshake with the new CA
    for (let i = 0; (await trusting("rotated-ca.crt")) !== null; i += 1)
      if (i > 200) throw new Error("the rotated certificate was never served");
    expect((await trusting("ca.crt"))?.code).toBe(status.UNAVAILABLE);
  });
});
