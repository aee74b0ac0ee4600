// Worker thread of bench:recommend: evaluates the series it is sent with every policy.
import { parentPort, workerData } from "node:worker_threads";

import { evaluateSeries } from "../src/eval/walk-forward";
import type { TraceSeries } from "../src/traces/series-builder";
import { buildPolicies } from "./bench-policies";

const port = parentPort;
if (port === null) throw new Error("bench-worker must run in a worker thread");
const options = workerData as { baselinesOnly: boolean };
const ready = buildPolicies(() => undefined, {
  baselinesOnly: options.baselinesOnly,
});
let queue = Promise.resolve();

port.on("message", (message: { index: number; series: TraceSeries }) => {
  queue = queue.then(async () => {
    const { policies } = await ready;
    const evaluation = evaluateSeries(message.series, policies);
    port.postMessage({
      index: message.index,
      days: evaluation.days,
      wallMs: [...evaluation.wallMsByPolicy],
    });
  });
});
