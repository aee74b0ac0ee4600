// The synthetic pass spread over worker threads. Each round every worker generates its next slice
// (untimed), then all recommend at once; the wall time counted is from the start signal to the
// last worker finishing, and the CPU time is the whole process' (all threads) over those phases.
import type { Worker } from "node:worker_threads";

import type {
  SyntheticWorkerReply,
  SyntheticWorkerRequest,
} from "./synthetic-worker";
import { startTsxWorker } from "./worker-pool";

const SLICE = 250;

export type ParallelTiming = { ms: number; cpuUs: number; failures: number };

function ask(
  worker: Worker,
  request: SyntheticWorkerRequest,
): Promise<Extract<SyntheticWorkerReply, { kind: "ready" | "done" }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: SyntheticWorkerReply): void => {
      worker.off("error", reject);
      if (reply.kind === "error")
        reject(new Error(`synthetic worker: ${reply.message}`));
      else resolve(reply);
    };
    worker.once("message", onMessage);
    worker.once("error", reject);
    worker.postMessage(request);
  });
}

/** One round: every worker generates its slice, then all recommend it; adds the timed phase to `timing`. */
async function runRound(
  workers: Worker[],
  round: { first: number; containers: number; policy: string },
  timing: ParallelTiming,
): Promise<void> {
  await Promise.all(
    workers.map((worker, w) =>
      ask(worker, {
        kind: "generate",
        first: Math.min(round.containers, round.first + w * SLICE),
        end: Math.min(round.containers, round.first + (w + 1) * SLICE),
      }),
    ),
  );
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const replies = await Promise.all(
    workers.map((worker) => ask(worker, { kind: "run", policy: round.policy })),
  );
  timing.ms += performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  timing.cpuUs += cpu.user + cpu.system;
  for (const r of replies) if (r.kind === "done") timing.failures += r.failures;
}

export async function runInWorkers(input: {
  containers: number;
  workers: number;
  policies: string[];
}): Promise<Map<string, ParallelTiming>> {
  const workers = Array.from({ length: input.workers }, () =>
    startTsxWorker(new URL("./synthetic-worker.ts", import.meta.url)),
  );
  const timings = new Map<string, ParallelTiming>();
  try {
    for (const policy of input.policies) {
      const timing = { ms: 0, cpuUs: 0, failures: 0 };
      const perRound = SLICE * workers.length;
      for (let first = 0; first < input.containers; first += perRound)
        await runRound(
          workers,
          { first, containers: input.containers, policy },
          timing,
        );
      timings.set(policy, timing);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return timings;
}
