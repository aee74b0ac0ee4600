// Spreads series over worker threads (tsx-registered) and hands results back in series order.
import { Worker } from "node:worker_threads";

import type { SeriesEvaluation } from "../src/eval/walk-forward";
import type { TraceSeries } from "../src/traces/series-builder";

type Result = {
  index: number;
  days: SeriesEvaluation["days"];
  wallMs: [string, number][];
};

/** A worker thread running a TypeScript entry through tsx, like the scripts themselves. */
export function startTsxWorker(entry: URL, workerData?: unknown): Worker {
  const api = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

function startWorker(workerData: { baselinesOnly: boolean }): Worker {
  return startTsxWorker(
    new URL("./bench-worker.ts", import.meta.url),
    workerData,
  );
}

export async function evaluateInWorkers(
  series: TraceSeries[],
  options: {
    workers: number;
    baselinesOnly: boolean;
    onResult: (index: number, evaluation: SeriesEvaluation) => void;
  },
): Promise<void> {
  const workers = Array.from(
    { length: Math.min(options.workers, series.length) },
    () => startWorker({ baselinesOnly: options.baselinesOnly }),
  );
  const pending = new Map<number, SeriesEvaluation>();
  let next = 0;
  let emitted = 0;
  await new Promise<void>((resolveAll, rejectAll) => {
    const feed = (worker: Worker): void => {
      if (next >= series.length) return;
      const index = next++;
      worker.postMessage({ index, series: series[index] });
    };
    for (const worker of workers) {
      worker.on("error", rejectAll);
      worker.on("message", (r: Result) => {
        pending.set(r.index, {
          days: r.days,
          wallMsByPolicy: new Map(r.wallMs),
        });
        for (
          let ev = pending.get(emitted);
          ev !== undefined;
          ev = pending.get(emitted)
        ) {
          pending.delete(emitted);
          options.onResult(emitted++, ev);
        }
        if (emitted === series.length) resolveAll();
        else feed(worker);
      });
      feed(worker);
    }
  });
  await Promise.all(workers.map((w) => w.terminate()));
}
