import {
  createAcceleratedClock,
  stepsBetween,
} from "../domain/accelerated-clock";
import {
  createSyntheticFleet,
  syntheticValuesAt,
} from "../domain/synthetic-model";
import type { ContainerSample, MetricsSource, Scrape } from "../domain/types";

export type SyntheticSourceOptions = {
  seed: number;
  containers: number;
  namespace: string;
  nodeName: string;
  wallStartMs: number;
  simStartMs: number;
  speed: number;
  stepMs: number;
  /** Bounds one scrape's size when the simulated clock runs far ahead. */
  maxStepsPerCollect: number;
  /** Stop after this much simulated time (a fixed, countable workload); undefined runs forever. */
  durationMs?: number;
};

export function createSyntheticSource(
  options: SyntheticSourceOptions,
): MetricsSource {
  const fleet = createSyntheticFleet(options);
  const clock = createAcceleratedClock(options);
  let lastMs = options.simStartMs - options.stepMs;
  return {
    kind: "synthetic",
    collect(nowMs): Promise<Scrape> {
      const steps = stepsBetween({
        fromMs: lastMs,
        toMs: Math.min(
          clock.simNowMs(nowMs),
          options.simStartMs + (options.durationMs ?? Infinity),
        ),
        stepMs: options.stepMs,
        limit: options.maxStepsPerCollect,
      });
      const samples: ContainerSample[] = [];
      for (const t of steps) {
        for (const container of fleet) {
          samples.push({
            meta: container.meta,
            timestampMs: t,
            ...syntheticValuesAt(container, {
              seed: options.seed,
              tMs: t,
              stepMs: options.stepMs,
            }),
          });
        }
      }
      lastMs = steps.at(-1) ?? lastMs;
      return Promise.resolve({ samples, skipped: 0 });
    },
  };
}
