// `--synthetic N`: one recommendation pass (start, observe 8 days of 5-minute history, recommend) for N
// containers per policy; only the recommender's work is timed, not the data generation.
import { createAutopilotRecommender } from "../src/baselines/autopilot";
import { createKrrRecommender } from "../src/baselines/krr";
import { createVpaRecommender } from "../src/baselines/vpa";
import { generateSyntheticContainer } from "../src/eval/synthetic";
import type { Recommender } from "../src/recommender";

const HISTORY_DAYS = 8;
const INTERVAL_S = 300;
const END_S = 1_700_000_000;
const BATCH = 250;

export type SyntheticResult = {
  policy: string;
  containers: number;
  seconds: number;
  perContainerMs: number;
};

export async function runSyntheticPass(input: {
  containers: number;
  kubewise: Recommender | null;
  log: (message: string) => void;
}): Promise<SyntheticResult[]> {
  const policies: Recommender[] = [
    createVpaRecommender(),
    createKrrRecommender(),
    createAutopilotRecommender(),
  ];
  if (input.kubewise) policies.push(input.kubewise);
  else input.log("kubewise: missing, timing the baselines only");
  const results: SyntheticResult[] = [];
  for (const policy of policies) {
    let ms = 0;
    let failures = 0;
    for (let first = 0; first < input.containers; first += BATCH) {
      const batch = [];
      for (let c = first; c < Math.min(input.containers, first + BATCH); c++) {
        batch.push(
          generateSyntheticContainer({
            seed: c + 1,
            days: HISTORY_DAYS,
            intervalS: INTERVAL_S,
            endS: END_S,
          }),
        );
      }
      const started = performance.now();
      for (const [j, chunk] of batch.entries()) {
        const session = policy.start({
          seriesId: `synthetic-${first + j}`,
          sampleIntervalS: INTERVAL_S,
        });
        session.observe(chunk);
        if (session.recommend(END_S).kind !== "ok") failures++;
      }
      ms += performance.now() - started;
      await Promise.resolve();
    }
    const seconds = ms / 1000;
    results.push({
      policy: policy.name,
      containers: input.containers,
      seconds,
      perContainerMs: ms / input.containers,
    });
    input.log(
      `${policy.name}: ${input.containers} containers in ${seconds.toFixed(2)} s (${failures} without a recommendation)`,
    );
  }
  for (const r of results) {
    process.stdout.write(
      `${r.policy.padEnd(10)} ${r.containers} containers x ${HISTORY_DAYS} d of 5-min history: ${r.seconds.toFixed(2)} s (${r.perContainerMs.toFixed(3)} ms/container)\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ synthetic: { containers: input.containers, history_days: HISTORY_DAYS, interval_s: INTERVAL_S, target_s: 60, policies: Object.fromEntries(results.map((r) => [r.policy, { seconds: Number(r.seconds.toFixed(3)), per_container_ms: Number(r.perContainerMs.toFixed(4)) }])) } })}\n`,
  );
  return results;
}
