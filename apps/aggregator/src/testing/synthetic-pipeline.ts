import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { findFreePort, spawnApp, stopChild, type Child } from "./processes";

export type SyntheticPipeline = {
  aggregator: Child;
  agent: Child;
  /** The last lines of both processes, for timeout messages. */
  tail: () => string;
};

/**
 * A real aggregator on a loopback port and a real agent with the synthetic source feeding it.
 * Every resource is handed to `cleanups` (run in reverse order by the caller's afterEach).
 */
export async function startSyntheticPipeline(options: {
  databaseUrl: string;
  token: string;
  /** PATH and HOME of the test process (tests read process.env, this module may not). */
  baseEnv: { PATH: string; HOME: string };
  agentEnv: Record<string, string>;
  cleanups: (() => Promise<void> | void)[];
}): Promise<SyntheticPipeline> {
  const { baseEnv, cleanups, token } = options;
  const bufferDir = mkdtempSync(join(tmpdir(), "kw-pipeline-agent-"));
  chmodSync(bufferDir, 0o755);
  cleanups.push(() => rmSync(bufferDir, { recursive: true, force: true }));
  const port = await findFreePort();
  const track = (child: Child): Child => {
    cleanups.push(() => stopChild(child, "SIGKILL"));
    return child;
  };
  const aggregator = track(
    spawnApp("aggregator", baseEnv, {
      DATABASE_URL: options.databaseUrl,
      KUBEWISE_GRPC_HOST: "127.0.0.1",
      KUBEWISE_GRPC_PORT: String(port),
      KUBEWISE_METRICS_PORT: "0",
      KUBEWISE_AGENT_TOKENS: token,
      KUBEWISE_RECOMMEND_INTERVAL_SECONDS: "86400",
      KUBEWISE_LOG_LEVEL: "info",
    }),
  );
  const agent = track(
    spawnApp("agent", baseEnv, {
      KUBEWISE_AGGREGATOR_TARGET: `127.0.0.1:${port}`,
      KUBEWISE_TOKEN: token,
      KUBEWISE_BUFFER_DIR: bufferDir,
      KUBEWISE_METRICS_PORT: "0",
      KUBEWISE_SOURCE: "synthetic",
      KUBEWISE_LOG_LEVEL: "info",
      ...options.agentEnv,
    }),
  );
  const tail = () =>
    `agent: ${agent.output.slice(-8).join(" | ")}; aggregator: ${aggregator.output.slice(-8).join(" | ")}`;
  return { aggregator, agent, tail };
}
