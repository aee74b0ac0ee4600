// Child process of the agent for federated training and evaluation: reads the local history,
// runs one task under its own V8 heap cap, answers over IPC and exits. Started by
// src/adapters/federated/trainer-process.ts; never imported.
import { writeFileSync } from "node:fs";

import { readHistory } from "./adapters/history-store";
import {
  runCountTask,
  runEvaluateTask,
  runTrainTask,
  type CountOutcome,
  type CountTask,
  type EvaluateOutcome,
  type EvaluateTask,
  type TrainOutcome,
  type TrainTask,
} from "./domain/local-round";

export type WorkerTask = TrainTask | EvaluateTask | CountTask;
export type WorkerOutcome = TrainOutcome | EvaluateOutcome | CountOutcome;
export type WorkerRequest = { historyDir: string; task: WorkerTask };
export type WorkerReply =
  { ok: true; outcome: WorkerOutcome } | { ok: false; error: string };

const cpuSeconds = (): number => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
};

function handle(request: WorkerRequest): WorkerReply {
  const series = readHistory(request.historyDir);
  const { task } = request;
  switch (task.kind) {
    case "train":
      return { ok: true, outcome: runTrainTask(series, task, cpuSeconds) };
    case "evaluate":
      return { ok: true, outcome: runEvaluateTask(series, task) };
    case "count":
      return { ok: true, outcome: runCountTask(series, task) };
  }
}

// Under memory pressure the kernel should kill this short-lived child, never the agent itself.
try {
  writeFileSync("/proc/self/oom_score_adj", "1000");
} catch (error) {
  // Not Linux, or /proc is read-only: the V8 heap cap still bounds the child.
  process.stderr.write(
    `train worker: oom_score_adj unchanged (${error instanceof Error ? error.message : String(error)})\n`,
  );
}

process.once("message", (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = handle(request);
  } catch (error) {
    reply = {
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    };
  }
  process.send?.(reply, () => process.exit(0));
});
