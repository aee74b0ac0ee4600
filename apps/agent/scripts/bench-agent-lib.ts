// Helpers of bench-agent.ts: /proc readings, the chart's agent NODE_OPTIONS, the agent's /metrics,
// and a loopback AgentService sink that acks every batch.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

import { agentV1 } from "@kubewise/proto";

export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

export function procStat(pid: number): { rssMib: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fields =
    readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return { rssMib: rssKb / 1024, cpuMs: (ticks * 1000) / 100 };
}

/** The agent's process settings as the Helm chart ships them (values.yaml agent.*). */
export function chartAgentSettings(): {
  nodeOptions: string;
  mallocArenaMax: string;
} {
  const values = readFileSync(
    join(REPO_ROOT, "charts/kubewise/values.yaml"),
    "utf8",
  );
  const agent = values.slice(values.indexOf("\nagent:"));
  const nodeOptions = /\n {2}nodeOptions: "([^"]*)"/.exec(agent)?.[1];
  const mallocArenaMax = /\n {2}mallocArenaMax: (\d+)/.exec(agent)?.[1];
  if (nodeOptions === undefined || mallocArenaMax === undefined)
    throw new Error(
      "charts/kubewise/values.yaml lacks agent.nodeOptions or agent.mallocArenaMax",
    );
  return { nodeOptions, mallocArenaMax };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function scrapeMetrics(
  port: number,
): Promise<Map<string, number>> {
  let text = "";
  // The agent opens /metrics once it has started; give it a few seconds on a loaded machine.
  for (let attempt = 0; text === ""; attempt++) {
    try {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } catch (error) {
      if (attempt >= 30) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

export function metric(values: Map<string, number>, name: string): number {
  return values.get(`kubewise_agent_${name}`) ?? Number.NaN;
}

export const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

export async function startSink(): Promise<{
  port: number;
  batches: () => number;
  flags: () => number;
  stop: () => void;
}> {
  let batches = 0;
  let flags = 0;
  const server = new Server();
  const impl: UntypedServiceImplementation = {
    register: (
      _call: unknown,
      cb: (e: null, r: agentV1.RegisterResponse) => void,
    ) =>
      cb(null, {
        collectionIntervalSeconds: 10,
        maxBatchSamples: 5000,
        maxMessageBytes: 4 << 20,
        serverTimeMs: Date.now(),
      }),
    syncMetrics: (
      call: ServerDuplexStream<
        agentV1.SyncMetricsRequest,
        agentV1.SyncMetricsResponse
      >,
    ) => {
      call.on("data", (req: agentV1.SyncMetricsRequest) => {
        batches++;
        const b = req.batch;
        flags += b?.anomalyReport?.flags.length ?? 0;
        if (b)
          call.write({
            response: {
              $case: "ack",
              value: {
                bootId: b.bootId,
                seq: b.seq,
                duplicate: false,
                storedSamples: b.timestampMs.length,
                serverTimeMs: Date.now(),
              },
            },
          });
      });
      call.on("end", () => call.end());
    },
    getModelUpdate: () => undefined,
    uploadGradients: () => undefined,
  };
  server.addService(agentV1.AgentServiceService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      ServerCredentials.createInsecure(),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
  return {
    port,
    batches: () => batches,
    flags: () => flags,
    stop: () => server.forceShutdown(),
  };
}
