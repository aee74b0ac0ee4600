// Worker thread of the synthetic pass: generates its share of containers (untimed), then recommends
// them when told to, so that the main thread times only the recommending phase of every worker.
import { parentPort } from "node:worker_threads";

import { createAutopilotRecommender } from "../src/baselines/autopilot";
import { createAutopilotMlRecommender } from "../src/baselines/autopilot-ml";
import { createKrrRecommender } from "../src/baselines/krr";
import { createVpaRecommender } from "../src/baselines/vpa";
import type { Recommender, UsageChunk } from "../src/recommender";
import { loadKubewise } from "./kubewise-loader";
import { generateBatch, recommendBatch } from "./synthetic-batch";

export type SyntheticWorkerRequest =
  | { kind: "generate"; first: number; end: number }
  | { kind: "run"; policy: string };

export type SyntheticWorkerReply =
  | { kind: "ready" }
  | { kind: "done"; failures: number }
  | { kind: "error"; message: string };

const port = parentPort;
if (port === null)
  throw new Error("synthetic-worker must run in a worker thread");

const policies = (async (): Promise<Map<string, Recommender>> => {
  const kubewise = await loadKubewise([], () => undefined);
  const all = [
    createVpaRecommender(),
    createKrrRecommender(),
    createAutopilotRecommender(),
    createAutopilotMlRecommender(),
    ...(kubewise.default ? [kubewise.default] : []),
  ];
  return new Map(all.map((p) => [p.name, p]));
})();

let batch: { first: number; chunks: UsageChunk[] } = { first: 0, chunks: [] };

async function handle(
  request: SyntheticWorkerRequest,
): Promise<SyntheticWorkerReply> {
  if (request.kind === "generate") {
    batch = {
      first: request.first,
      chunks: generateBatch(request.first, request.end),
    };
    await policies;
    return { kind: "ready" };
  }
  const policy = (await policies).get(request.policy);
  if (!policy) throw new Error(`unknown policy ${request.policy}`);
  return { kind: "done", failures: recommendBatch(policy, batch) };
}

port.on("message", (request: SyntheticWorkerRequest) => {
  handle(request).then(
    (reply) => port.postMessage(reply),
    (error: unknown) =>
      port.postMessage({
        kind: "error",
        message: error instanceof Error ? error.message : String(error),
      } satisfies SyntheticWorkerReply),
  );
});
