// npx tsx scripts/recommendation-digest.ts --containers 50 (--write <file> | --compare <file>)
// Records every Kubewise recommendation for synthetic containers (plain, gappy, NaN/zero readings,
// unsorted, short and long histories, repeated recommends) so that speed work can prove it changed
// no output bit: --compare exits 1 and names the first differing container. Each container also
// runs the aggregator's configuration (the shipped confidence model: evidence, risk choice,
// restatement with the CPU regret) and one with CPU windows always allowed (the peak split's values).
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { generateSyntheticContainer } from "../src/eval/synthetic";
import { buildKubewiseRecommender, KUBEWISE_DEFAULTS } from "../src/kubewise";
import type { KubewiseRecommender } from "../src/kubewise/recommender";
import {
  createWeightsForecastFn,
  loadShippedModel,
} from "../src/onnx/shipped-model";
import type { UsageChunk } from "../src/recommender";
import { createRng } from "../src/stats/rng";

const END_S = 1_700_000_000;
const DAY_S = 86_400;

const { values: args } = parseArgs({
  options: {
    containers: { type: "string", default: "50" },
    write: { type: "string" },
    compare: { type: "string" },
  },
});

function perturb(chunk: UsageChunk, variant: number, seed: number): UsageChunk {
  const rng = createRng(seed * 7919 + variant);
  const keep: number[] = [];
  const n = chunk.timestampsS.length;
  for (let i = 0; i < n; i++) {
    const t = chunk.timestampsS[i] ?? 0;
    if (
      variant === 1 &&
      (rng() < 0.2 ||
        (t > END_S - 3 * DAY_S && t < END_S - 3 * DAY_S + 6 * 3600))
    )
      continue;
    keep.push(i);
  }
  if (variant === 2)
    for (let i = keep.length - 1; i > 0; i -= 3) {
      const j = Math.floor(rng() * (i + 1));
      [keep[i], keep[j]] = [keep[j] ?? 0, keep[i] ?? 0];
    }
  const pick = (a: Float64Array): Float64Array =>
    Float64Array.from(keep, (i) => a[i] ?? Number.NaN);
  const out = {
    timestampsS: pick(chunk.timestampsS),
    cpuCores: pick(chunk.cpuCores),
    memBytes: pick(chunk.memBytes),
  };
  if (variant === 2)
    for (let i = 0; i < out.cpuCores.length; i++) {
      const r = rng();
      if (r < 0.03) out.cpuCores[i] = Number.NaN;
      else if (r < 0.06) out.memBytes[i] = 0;
      else if (r < 0.07) out.memBytes[i] = Number.NaN;
    }
  return out;
}

function digestContainer(
  recommenders: {
    plain: KubewiseRecommender;
    product: KubewiseRecommender;
    windows: KubewiseRecommender;
  },
  c: number,
): unknown {
  const variant = c % 6;
  const days =
    variant === 3 ? (c % 12 === 3 ? 0.3 : 1.5) : variant === 4 ? 16 : 8;
  const chunk = perturb(
    generateSyntheticContainer({
      seed: c + 1,
      days,
      intervalS: 300,
      endS: END_S,
    }),
    variant,
    c,
  );
  const start = (recommender: KubewiseRecommender) => {
    const session = recommender.start({
      seriesId: `digest-${c}`,
      sampleIntervalS: 300,
      unitSystem: variant === 5 ? "normalized" : "real",
    });
    session.observe(chunk);
    return session;
  };
  const session = start(recommenders.plain);
  const results: unknown[] = [session.recommend(END_S)];
  const product = start(recommenders.product);
  const fresh = product.recommend(END_S);
  results.push(fresh);
  if (fresh.kind === "ok") {
    const base = fresh.recommendation.base;
    results.push(
      product.restate(
        {
          ...base,
          cpuRequestCores: base.cpuRequestCores * 1.3,
          memLimitBytes:
            base.memLimitBytes === null ? null : base.memLimitBytes * 0.9,
        },
        END_S,
        fresh.recommendation,
      ),
    );
  }
  results.push(start(recommenders.windows).recommend(END_S));
  if (variant === 4 || variant === 0) {
    results.push(
      session.recommend(END_S - DAY_S),
      session.recommend(END_S - 2 * DAY_S + 1234),
    );
    results.push(session.recommendEveryStep(END_S - 3 * DAY_S));
  }
  return results;
}

function serialize(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? `#${v}` : v,
  );
}

const model = loadShippedModel();
const plainOptions = {
  ...KUBEWISE_DEFAULTS,
  forecast: createWeightsForecastFn(model.weights),
  calibration: model.metadata.calibration,
};
const recommenders = {
  plain: buildKubewiseRecommender(plainOptions),
  product: buildKubewiseRecommender({
    ...plainOptions,
    confidenceModel: model.metadata.confidence ?? null,
  }),
  windows: buildKubewiseRecommender({ ...plainOptions, windowMinGain: -1 }),
};
const lines: string[] = [];
for (let c = 0; c < Number(args.containers); c++)
  lines.push(serialize(digestContainer(recommenders, c)));
if (args.write) {
  writeFileSync(args.write, `${lines.join("\n")}\n`);
  process.stdout.write(`wrote ${lines.length} containers to ${args.write}\n`);
}
if (args.compare) {
  const expected = readFileSync(args.compare, "utf8").trimEnd().split("\n");
  const bad = lines.findIndex((line, i) => line !== expected[i]);
  if (bad >= 0 || expected.length !== lines.length) {
    process.stdout.write(
      `DIFFERENT at container ${bad}:\n- ${expected[bad]?.slice(0, 400)}\n+ ${lines[bad]?.slice(0, 400)}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`identical: ${lines.length} containers\n`);
}
