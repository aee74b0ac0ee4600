// Worker thread of bench:frontier: scores every sweep point and the hindsight bounds on the series it
// is sent, and returns per-policy sums plus the default Kubewise point's per-day outcomes.
import { parentPort, workerData } from "node:worker_threads";

import type { PublicationRule } from "../src/publication";
import type { TraceSeries } from "../src/traces/series-builder";
import { buildSweeps } from "./frontier-policies";
import { withRule } from "./frontier-rule";
import { scoreParts } from "./frontier-score";

const port = parentPort;
if (port === null)
  throw new Error("frontier-worker must run in a worker thread");

const options = workerData as {
  kubewise: boolean;
  fresh: boolean;
  rule?: PublicationRule;
};
const sweeps = withRule(buildSweeps(options), options.rule);

port.on(
  "message",
  (message: {
    index: number;
    series: TraceSeries;
    parts: { baselines: boolean; kubewise: boolean };
  }) => {
    port.postMessage({
      index: message.index,
      result: scoreParts(message.series, sweeps, {
        fresh: options.fresh,
        parts: message.parts,
      }),
    });
  },
);
