import { readFileSync } from "node:fs";
import { join } from "node:path";

import { Server, ServerCredentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { agentV1 } from "@kubewise/proto";

import { aggregatorChannel, createAgentClient } from "./agent-client";

// The aggregator's test certificate (SANs kubewise-aggregator, localhost, 127.0.0.1).
const FIXTURES = join(
  import.meta.dirname,
  "../../../../aggregator/src/grpc/__fixtures__/tls",
);
const fixture = (name: string) => join(FIXTURES, name);

let server: Server;
let target: string;

beforeAll(async () => {
  server = new Server();
  server.addService(agentV1.AgentServiceService, {
    register: (
      _call: unknown,
      callback: (e: null, r: agentV1.RegisterResponse) => void,
    ) =>
      callback(
        null,
        agentV1.RegisterResponse.fromPartial({ maxBatchSamples: 1 }),
      ),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      ServerCredentials.createSsl(null, [
        {
          cert_chain: readFileSync(fixture("server.crt")),
          private_key: readFileSync(fixture("server.key")),
        },
      ]),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  target = `127.0.0.1:${port}`;
});
afterAll(() => server.forceShutdown());

const register = (tls: Parameters<typeof createAgentClient>[1]) => {
  const client = createAgentClient(target, tls);
  return client
    .register(
      agentV1.RegisterRequest.fromPartial({ agentId: "a", bootId: "b" }),
      "token",
      5_000,
    )
    .then(
      (response) => response.maxBatchSamples,
      (error: { code: number }) => `status ${error.code}`,
    )
    .finally(() => client.close());
};

describe("the agent's TLS to the aggregator", () => {
  it("verifies the aggregator's certificate against the configured CA and name", async () => {
    expect(
      await register({
        caFile: fixture("ca.crt"),
        serverName: "kubewise-aggregator",
      }),
    ).toBe(1);
  });

  it("refuses a certificate of another CA or for another name", async () => {
    expect(
      await register({
        caFile: fixture("other-ca.crt"),
        serverName: undefined,
      }),
    ).toBe(`status ${status.UNAVAILABLE}`);
    expect(
      await register({ caFile: fixture("ca.crt"), serverName: "evil.example" }),
    ).toBe(`status ${status.UNAVAILABLE}`);
  });

  it("cannot talk to a TLS aggregator in plaintext", async () => {
    expect(await register(undefined)).toBe(`status ${status.UNAVAILABLE}`);
  });

  it("names a CA file it cannot read", () => {
    expect(() =>
      aggregatorChannel({
        caFile: "/nonexistent/ca.crt",
        serverName: undefined,
      }),
    ).toThrow(/cannot read the aggregator CA \/nonexistent\/ca.crt/);
  });
});
