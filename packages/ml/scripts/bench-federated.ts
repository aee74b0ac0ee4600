// npm run bench:federated -- [--traces <dir>] [--help]
// Federated vs central vs local-only training of the forecaster on traces partitioned by node,
// walk-forward in time; the last stdout line is the JSON summary.
import { parseArgs } from "node:util";

import { agentV1 } from "@kubewise/proto";

import { FEATURE_COUNT, SEQ_HOURS } from "../src/features/model-input";
import { DEFAULT_AGGREGATION } from "../src/federated/aggregate";
import { initialWeights } from "../src/federated/init";
import { flattenWeights } from "../src/federated/parameters";
import { DEFAULT_ROUND_PLAN } from "../src/federated/round-defaults";
import {
  PLAIN_FEDAVG,
  type ServerOptimizerSettings,
} from "../src/federated/server-optimizer";
import { OUTPUT_SIZE, QUANTILE_LEVELS } from "../src/forecast/quantile-heads";
import { exportLstmToOnnx } from "../src/onnx/export";
import {
  createCentralArm,
  createFederatedArm,
  createLocalArm,
  createPersonalArm,
  type Arm,
  type FederatedSettings,
  type TrainingSettings,
} from "./federated/arms";
import {
  buildSeriesExamples,
  DAY_S,
  isUsable,
  partitionNodes,
  roundSchedule,
  type BenchNode,
} from "./federated/data";
import { downstreamMetrics } from "./federated/downstream";
import {
  compareArms,
  createArmScores,
  headReport,
  pooled,
  roundsToConverge,
  scoreTransplanted,
  scoreWindow,
  worstDecileNodeRatio,
  type ArmScores,
} from "./federated/scoring";
import { loadSeriesArgs, log, TRACE_OPTIONS } from "./script-io";

const OPTIONS = {
  ...TRACE_OPTIONS,
  "node-size": { type: "string", default: "8" },
  "held-back": { type: "string", default: "0.2" },
  "first-day": { type: "string", default: "4" },
  "every-days": { type: "string", default: "2" },
  "test-from-day": { type: "string", default: "46" },
  "history-days": {
    type: "string",
    default: String(DEFAULT_ROUND_PLAN.historyDays),
  },
  "stride-slots": { type: "string", default: "36" },
  // The federated arms train with the product's round plan (DEFAULT_ROUND_PLAN) unless told otherwise.
  epochs: { type: "string", default: String(DEFAULT_ROUND_PLAN.localEpochs) },
  "batch-size": { type: "string", default: "32" },
  "learning-rate": {
    type: "string",
    default: String(DEFAULT_ROUND_PLAN.learningRate),
  },
  "baseline-learning-rates": { type: "string", default: "0.005,0.002,0.001" },
  "lr-decay": { type: "string", default: "1" },
  arms: {
    type: "string",
    default: "central,local,fedavg,fedprox,byzantine_20pct",
  },
  "fedprox-mu": {
    type: "string",
    default: String(DEFAULT_ROUND_PLAN.fedproxMu),
  },
  "client-batch-size": {
    type: "string",
    default: String(DEFAULT_ROUND_PLAN.batchSize),
  },
  "trim-fraction": {
    type: "string",
    default: String(DEFAULT_AGGREGATION.trimFraction),
  },
  "clip-multiple": { type: "string", default: "1" },
  "server-lr": {
    type: "string",
    default: String(PLAIN_FEDAVG.learningRate),
  },
  "server-momentum": {
    type: "string",
    default: String(PLAIN_FEDAVG.momentum),
  },
  "initial-clip": {
    type: "string",
    default: String(DEFAULT_ROUND_PLAN.initialClipNorm),
  },
  "fedadam-lr": { type: "string", default: "0.01" },
  "fedadam-beta1": { type: "string", default: "0.9" },
  "fedadam-beta2": { type: "string", default: "0.99" },
  "fedadam-tau": { type: "string", default: "0.001" },
  "personal-mu": { type: "string", default: "0.1,1" },
  "personal-on": { type: "string", default: "fedprox" },
  clusters: { type: "string", default: "4" },
  "cluster-assign": { type: "string", default: "loss" },
  seed: { type: "string", default: "20261201" },
  "skip-downstream": { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;
const { values: args } = parseArgs({ options: OPTIONS });

const HELP = `npm run bench:federated -- [options]
Trains the forecaster five ways on traces partitioned into non-IID nodes and scores them walk-forward:
central (pooled), local-only (per node), FedAvg, FedProx, and the product's federated setting with 20 %
Byzantine agents (scaled, sign-flipped and NaN updates). Same model, optimizer (Adam) and example budget
(epochs over the same windows) for every arm; the federated arms train with the product's round plan
defaults (@kubewise/ml DEFAULT_ROUND_PLAN, aggregated as the aggregator does; flags override them).
Progress on stderr; the last stdout line is one JSON object.
  --traces <dir>         tidy trace folder (default ../shared/traces)
  --limit <n>            first n series only (iterate on subsets)
  --node-size <n>        series per node (8)          --held-back <f>      fraction of nodes never trained (0.2)
  --first-day <d>        first round (4)              --every-days <d>     days between rounds (2)
  --test-from-day <d>    scored test period start (46) --history-days <d>  agent training window (7)
  --stride-slots <n>     5-min slots between examples (36 = 3 h)
  --epochs <n>            epochs per round, every arm (round plan: ${DEFAULT_ROUND_PLAN.localEpochs})
  --batch-size <n>        central and local-only batch size (32)
  --learning-rate <x>     agents' local learning rate (round plan: ${DEFAULT_ROUND_PLAN.learningRate})
  --lr-decay <x>          every arm's learning rate is multiplied by x each round (round r: lr x x^r;
                         1: constant, the product's round plan)
  --client-batch-size <n> agents' batch size (round plan: ${DEFAULT_ROUND_PLAN.batchSize})
  --fedprox-mu <x>        FedProx mu (round plan: ${DEFAULT_ROUND_PLAN.fedproxMu}); FedAvg is mu 0
  --initial-clip <x>      first round's clip norm (then the median of pre-clip norms)
  --clip-multiple <x>     clip at this multiple of that median (1, the aggregator's rule)
  --trim-fraction <x>     trimmed mean's fraction per end (the aggregator's: ${DEFAULT_AGGREGATION.trimFraction})
  --server-lr <x>, --server-momentum <x>  server FedAvgM (${PLAIN_FEDAVG.learningRate}, ${PLAIN_FEDAVG.momentum}: plain FedAvg like the aggregator)
  --fedadam-lr <x>, --fedadam-beta1 <x>, --fedadam-beta2 <x>, --fedadam-tau <x>  the fedadam arm's server
                         optimiser (FedProx clients, FedAdam server; 0.01, 0.9, 0.99, 0.001)
  --personal-mu <list>   the personal arm's Ditto pull towards the global model, one arm per value,
                         chosen on the warm-up rounds (0.1,1)
  --personal-on <arm>    the global model the personal arm starts from and is pulled towards:
                         fedprox or clustered (fedprox)
  --clusters <n>, --cluster-assign utilisation|loss  the clustered arm: n global models, nodes
                         first grouped by utilisation level, then (loss) each picks the model with the
                         lowest pinball on its own window every round (IFCA); 4, loss
  --seed <n>
  --baseline-learning-rates <list>  central and local-only each pick their learning rate from this
                         list on the warm-up rounds (before the test period); default 0.005,0.002,0.001
  --arms <list>          subset of central,local,fedavg,fedprox,byzantine_20pct (iterate cheaply);
                         experiments: fedadam (FedAdam server), personal (Ditto personal models on
                         --personal-on's global model, listed after it) and clustered
                         (FedProx with one global model per cluster of nodes), byzantine_clustered
                         (the clustered arm with 20 % Byzantine agents, scored against clustered)
  --skip-downstream      skip the recommendation metrics (bench:recommend's) of the frozen models`;

const num = (name: keyof typeof OPTIONS): number => {
  const value = Number(args[name]);
  if (!Number.isFinite(value))
    throw new Error(`--${name} needs a number, got ${String(args[name])}`);
  return value;
};

async function loadNodes(): Promise<BenchNode[]> {
  const { series } = await loadSeriesArgs({
    traces: args.traces,
    limit: args.limit,
  });
  const usable = series.filter(isUsable);
  log(
    `${series.length} series, ${usable.length} usable; building examples (stride ${args["stride-slots"]} slots)`,
  );
  const withExamples = usable
    .map((s) => buildSeriesExamples(s, num("stride-slots")))
    .filter((s) => s.examples.length >= 20);
  log(`${withExamples.length} series with >= 20 examples`);
  return partitionNodes(withExamples, {
    nodeSize: num("node-size"),
    heldBackFraction: num("held-back"),
    seed: num("seed"),
  });
}

/** Wire bytes one agent sends per round (UploadGradientsRequest) and receives (the RoundPlan). */
function wireBytes(arm: Arm): { upload: number; plan: number } {
  const weights = arm.modelFor({ id: "", heldBack: false, members: [] });
  const delta = Array.from(flattenWeights(weights), () => 0.001);
  const upload = agentV1.UploadGradientsRequest.encode({
    agentId: "kubewise-agent-node-000000000000",
    modelVersion: "12",
    sampleCount: 448,
    gradients: [],
    roundId: "123",
    modelDelta: delta,
    localSteps: 14,
    preClipNorm: 1.234,
    validationLossBefore: 0.08,
    validationLossAfter: 0.07,
    validationExamples: 192,
    cpuSeconds: 0.4,
  }).finish().length;
  const plan = agentV1.RoundPlan.encode({
    roundId: "123",
    baseModelVersion: "12",
    baseOnnxModel: Buffer.from(
      exportLstmToOnnx(weights, {
        seqLen: SEQ_HOURS,
        metadata: { version: "12" },
      }),
    ),
    localEpochs: DEFAULT_ROUND_PLAN.localEpochs,
    learningRate: DEFAULT_ROUND_PLAN.learningRate,
    fedproxMu: DEFAULT_ROUND_PLAN.fedproxMu,
    clipNorm: DEFAULT_ROUND_PLAN.initialClipNorm,
    deadlineUnixMs: Date.UTC(2026, 0, 1),
    minClients: 3,
    quantileLevels: [...QUANTILE_LEVELS],
    batchSize: DEFAULT_ROUND_PLAN.batchSize,
    cpuSecondsBudget: 2,
    dpNoiseMultiplier: 0,
    seed: 1,
    holdoutHours: 24,
    historyDays: DEFAULT_ROUND_PLAN.historyDays,
  }).finish().length;
  return { upload, plan };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ??
    Number.NaN
  );
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const started = Date.now();
  const nodes = await loadNodes();
  const heldBackIds = new Set(
    nodes
      .filter((n) => n.heldBack)
      .flatMap((n) => n.members.map((m) => m.seriesId)),
  );
  const trainingIds = new Set(
    nodes
      .filter((n) => !n.heldBack)
      .flatMap((n) => n.members.map((m) => m.seriesId)),
  );
  const schedule = roundSchedule(nodes, {
    firstDay: num("first-day"),
    everyDays: num("every-days"),
  });
  const testFromS = schedule.startS + num("test-from-day") * DAY_S;
  log(
    `${nodes.length} nodes (${nodes.filter((n) => n.heldBack).length} held back), ${schedule.roundsS.length} rounds every ${args["every-days"]} d, test from day ${args["test-from-day"]}`,
  );
  const init = initialWeights(
    { inputSize: FEATURE_COUNT, hiddenSize: 16, outputSize: OUTPUT_SIZE },
    num("seed"),
  );
  const lrDecay = num("lr-decay");
  if (!(lrDecay > 0 && lrDecay <= 1))
    throw new Error("--lr-decay needs a number in (0, 1]");
  const settings: TrainingSettings = {
    epochs: num("epochs"),
    batchSize: num("batch-size"),
    learningRate: num("learning-rate"),
    seed: num("seed"),
    learningRateDecay: lrDecay,
  };
  const federated = (
    mu: number,
    byzantineFraction: number,
    server = {
      learningRate: num("server-lr"),
      momentum: num("server-momentum"),
    } as ServerOptimizerSettings,
    clusters?: FederatedSettings["clusters"],
  ) => ({
    settings: { ...settings, batchSize: num("client-batch-size") },
    federated: {
      fedproxMu: mu,
      initialClipNorm: num("initial-clip"),
      byzantineFraction,
      trimFraction: num("trim-fraction"),
      clipMultiple: num("clip-multiple"),
      server,
      ...(clusters === undefined ? {} : { clusters }),
    },
    nodes,
  });
  const clusteredArm = (name: string, byzantineFraction: number): Arm[] => {
    const assign = args["cluster-assign"];
    if (assign !== "loss" && assign !== "utilisation")
      throw new Error("--cluster-assign needs utilisation or loss");
    return [
      createFederatedArm(name, init, {
        ...federated(
          num("fedprox-mu"),
          byzantineFraction,
          {
            learningRate: num("server-lr"),
            momentum: num("server-momentum"),
          },
          { count: num("clusters"), assign },
        ),
        measureAgentCost: byzantineFraction === 0,
      }),
    ];
  };
  const rates = args["baseline-learning-rates"].split(",").map(Number);
  if (rates.some((r) => !(r > 0)))
    throw new Error("--baseline-learning-rates needs positive numbers");
  const variants = (
    family: string,
    build: (s: TrainingSettings) => Arm,
  ): Arm[] =>
    rates.map((learningRate) => ({
      ...build({ ...settings, learningRate }),
      name: `${family}@${learningRate}`,
    }));
  const built: Arm[] = [];
  const builders: Record<string, () => Arm[]> = {
    central: () => variants("central", (s) => createCentralArm(init, s)),
    local: () => variants("local", (s) => createLocalArm(init, s, nodes)),
    fedavg: () => [createFederatedArm("fedavg", init, federated(0, 0))],
    fedprox: () => [
      createFederatedArm("fedprox", init, {
        ...federated(num("fedprox-mu"), 0),
        measureAgentCost: true,
      }),
    ],
    fedadam: () => [
      createFederatedArm(
        "fedadam",
        init,
        federated(num("fedprox-mu"), 0, {
          learningRate: num("fedadam-lr"),
          momentum: num("fedadam-beta1"),
          adam: { beta2: num("fedadam-beta2"), tau: num("fedadam-tau") },
        }),
      ),
    ],
    clustered: () => clusteredArm("clustered", 0),
    byzantine_clustered: () => clusteredArm("byzantine_clustered", 0.2),
    personal: () => {
      const on = args["personal-on"];
      const global = built.find((a) => a.name === on);
      if (global === undefined || (on !== "fedprox" && on !== "clustered"))
        throw new Error(
          `--arms: personal needs --personal-on ${on} (fedprox or clustered) listed before it`,
        );
      return args["personal-mu"]
        .split(",")
        .map(Number)
        .map((mu) => {
          if (!(mu >= 0)) throw new Error("--personal-mu needs numbers >= 0");
          return createPersonalArm(`personal@${mu}`, global, settings, mu);
        });
    },
    byzantine_20pct: () => [
      createFederatedArm(
        "byzantine_20pct",
        init,
        federated(num("fedprox-mu"), 0.2),
      ),
    ],
  };
  let arms = args.arms.split(",").flatMap((name) => {
    const build = builders[name.trim()];
    if (build === undefined) throw new Error(`--arms: unknown arm ${name}`);
    const arms = build();
    built.push(...arms);
    return arms;
  });
  const scores = new Map<string, ArmScores>(
    [...arms.map((a) => a.name), "local_transplanted"].map((name) => [
      name,
      createArmScores(),
    ]),
  );
  const frozen = new Map<string, Arm["modelFor"]>();
  schedule.roundsS.forEach((atS, index) => {
    const round = {
      index,
      atS,
      nodes,
      historyDays: num("history-days"),
      strideSlots: num("stride-slots"),
    };
    const window = {
      nodes,
      fromS: atS,
      toS: atS + num("every-days") * DAY_S,
      counted: atS >= testFromS,
    };
    if (window.counted && arms.some((a) => a.name.includes("@")))
      arms = keepBestVariants(arms, scores);
    const line: string[] = [];
    for (const arm of arms) {
      arm.train(round);
      const armScores = scores.get(arm.name) ?? createArmScores();
      scoreWindow(arm, armScores, window);
      line.push(
        `${arm.name} ${(armScores.curve.at(-1) ?? Number.NaN).toFixed(4)}`,
      );
      if (window.counted && !frozen.has(arm.name))
        frozen.set(arm.name, snapshot(arm, nodes));
      const transplanted =
        arm.name === "local" ? arm.transplanted?.() : undefined;
      if (transplanted !== undefined) {
        const moved = scores.get("local_transplanted") ?? createArmScores();
        scoreTransplanted(transplanted, moved, window);
        line.push(
          `local→heldback ${(moved.curve.at(-1) ?? Number.NaN).toFixed(4)}`,
        );
      }
    }
    log(
      `round ${index + 1}/${schedule.roundsS.length} day ${((atS - schedule.startS) / DAY_S).toFixed(0)}${window.counted ? " (test)" : ""}: ${line.join(", ")}`,
    );
  });
  const warmupRounds = schedule.roundsS.filter((t) => t < testFromS).length;
  report({
    arms,
    scores,
    nodes,
    heldBackIds,
    trainingIds,
    testFromS,
    frozen,
    warmupRounds,
    startedMs: started,
  });
}

/**
 * At the start of the test period, each baseline family keeps the learning rate whose warm-up
 * curve (test windows before the test period) was lowest; its curve continues under the family name.
 */
function keepBestVariants(arms: Arm[], scores: Map<string, ArmScores>): Arm[] {
  const mean = (xs: number[]) =>
    xs.filter(Number.isFinite).reduce((a, v) => a + v, 0) /
    Math.max(1, xs.length);
  const curve = (a: Arm) => scores.get(a.name)?.curve ?? [];
  const best = new Map<string, Arm>();
  for (const arm of arms.filter((a) => a.name.includes("@"))) {
    const family = arm.name.split("@")[0] ?? arm.name;
    const current = best.get(family);
    if (current === undefined || mean(curve(arm)) < mean(curve(current)))
      best.set(family, arm);
  }
  const kept = arms.filter((a) => !a.name.includes("@"));
  for (const [family, arm] of best) {
    log(
      `${family}: learning rate ${arm.name.split("@")[1] ?? "?"} chosen on the warm-up rounds`,
    );
    scores.set(family, scores.get(arm.name) ?? createArmScores());
    kept.push({
      ...arm,
      name: family,
      learningRate: Number(arm.name.split("@")[1]),
    });
  }
  return kept;
}

/** The arm's models as they stood at the start of the test period (trained on earlier data only). */
function snapshot(arm: Arm, nodes: readonly BenchNode[]): Arm["modelFor"] {
  const byNode = new Map(nodes.map((n) => [n.id, arm.modelFor(n)]));
  const shared = arm.modelFor({ id: "", heldBack: false, members: [] });
  return (node) => byNode.get(node.id) ?? shared;
}

function report(run: {
  arms: Arm[];
  scores: Map<string, ArmScores>;
  nodes: BenchNode[];
  heldBackIds: Set<string>;
  trainingIds: Set<string>;
  testFromS: number;
  frozen: Map<string, Arm["modelFor"]>;
  warmupRounds: number;
  startedMs: number;
}): void {
  const { scores, heldBackIds, trainingIds } = run;
  const get = (name: string): ArmScores =>
    scores.get(name) ?? createArmScores();
  const seed = num("seed");
  const has = (name: string) => run.arms.some((a) => a.name === name);
  const central = get("central");
  // The product's federated setting is chosen on the warm-up rounds only (before the test period).
  const warmup = (name: string) =>
    get(name).curve.slice(0, Math.max(1, run.warmupRounds));
  const meanOf = (xs: number[]) =>
    xs.filter(Number.isFinite).reduce((a, v) => a + v, 0) / xs.length;
  const chosen =
    !has("fedavg") ||
    (has("fedprox") && meanOf(warmup("fedprox")) <= meanOf(warmup("fedavg")))
      ? "fedprox"
      : "fedavg";
  const armJson = (name: string) => {
    if (!has(name)) return null;
    const all = headReport(pooled(get(name)));
    return {
      pinball: all.pinball,
      pinball_training_nodes: headReport(pooled(get(name), trainingIds))
        .pinball,
      pinball_heldback_nodes: headReport(pooled(get(name), heldBackIds))
        .pinball,
      calibration_error: all.calibrationError,
      per_quantile: all.perQuantile,
      exceedance: all.exceedance,
    };
  };
  const compare = (a: string, b: string, ids?: Set<string>) =>
    has(a) && (has(b) || b === "local_transplanted")
      ? compareArms(get(a), get(b), {
          seed,
          ...(ids ? { seriesIds: ids } : {}),
        })
      : null;
  const costs = run.arms.find((a) => a.name === chosen)?.costs ?? [];
  const cpu = costs.map((c) => c.cpuSeconds);
  const first = run.arms[0];
  if (first === undefined) throw new Error("no arm ran");
  const bytes = wireBytes(first);
  const fl = get(chosen);
  const local = armJson("local");
  const rounds = (name: string) =>
    has(name) && has("central")
      ? roundsToConverge(get(name).curve, central.curve, 0.03)
      : null;
  const summary = {
    central: armJson("central") && {
      ...armJson("central"),
      learning_rate: run.arms.find((a) => a.name === "central")?.learningRate,
    },
    local: local && {
      ...local,
      // A held-back node has no data of its own in the federation: it borrows a training node's model.
      pinball_heldback_nodes: headReport(pooled(get("local_transplanted")))
        .pinball,
      pinball_heldback_nodes_own_history: local.pinball_heldback_nodes,
      // the per-node baseline against central: what a personalised federated model can reach at best
      vs_central: compare("local", "central"),
      learning_rate: run.arms.find((a) => a.name === "local")?.learningRate,
    },
    fedavg: { ...armJson("fedavg"), rounds: rounds("fedavg") },
    fedprox: {
      ...armJson("fedprox"),
      rounds: rounds("fedprox"),
      mu: num("fedprox-mu"),
    },
    byzantine_20pct: {
      ...armJson("byzantine_20pct"),
      refused: run.arms.find((a) => a.name === "byzantine_20pct")?.refusals,
      trimmed_rounds: run.arms.find((a) => a.name === "byzantine_20pct")
        ?.trimmedRounds,
      vs_clean: compare("byzantine_20pct", "fedprox"),
    },
    federated_setting: chosen,
    vs_central: compare(chosen, "central"),
    vs_central_worst_decile_node:
      has("central") && has(chosen)
        ? worstDecileNodeRatio(fl, central, run.nodes)
        : null,
    vs_local_heldback_nodes: has("local")
      ? compare(chosen, "local_transplanted", heldBackIds)
      : null,
    vs_local_heldback_nodes_own_history: compare(chosen, "local", heldBackIds),
    vs_local_training_nodes: compare(chosen, "local", trainingIds),
    bytes_per_round: bytes.upload,
    plan_bytes_per_round: bytes.plan,
    agent_cpu_s_per_round: round4(meanOf(cpu)),
    agent_cpu_s_per_round_p95: round4(quantile(cpu, 0.95)),
    agent_cpu_s_per_round_max: round4(Math.max(...cpu)),
    agent_examples_per_round: round4(meanOf(costs.map((c) => c.examples))),
    downstream: args["skip-downstream"] ? null : downstreamMetrics(run),
    noninferiority_upper: compare(chosen, "central")?.upper95 ?? null,
    experiments: Object.fromEntries(
      ["fedadam", "personal", "clustered", "byzantine_clustered"]
        .filter(has)
        .map((name) => {
          const arm = run.arms.find((a) => a.name === name);
          const own = (arm?.costs ?? []).map((c) => c.cpuSeconds);
          return [
            name,
            {
              ...armJson(name),
              rounds: rounds(name),
              setting: arm?.learningRate,
              vs_central: compare(name, "central"),
              vs_central_worst_decile_node: has("central")
                ? worstDecileNodeRatio(get(name), central, run.nodes)
                : null,
              vs_local_heldback_nodes: has("local")
                ? compare(name, "local_transplanted", heldBackIds)
                : null,
              vs_local_heldback_nodes_own_history: compare(
                name,
                "local",
                heldBackIds,
              ),
              vs_local_training_nodes: compare(name, "local", trainingIds),
              vs_fedprox: compare(name, "fedprox"),
              vs_clustered:
                name === "byzantine_clustered"
                  ? compare(name, "clustered")
                  : null,
              refused:
                name === "byzantine_clustered" ? arm?.refusals : undefined,
              trimmed_rounds:
                name === "byzantine_clustered" ? arm?.trimmedRounds : undefined,
              // personal: its own pass per node and round, on top of the federated round's
              own_cpu_s_per_round: own.length > 0 ? round4(meanOf(own)) : null,
              own_cpu_s_per_round_max:
                own.length > 0 ? round4(Math.max(...own)) : null,
            },
          ];
        }),
    ),
    wall_s: Math.round((Date.now() - run.startedMs) / 1000),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  const line = {
    central: { pinball: summary.central?.pinball ?? null },
    local: { pinball: summary.local?.pinball ?? null },
    fedavg: {
      pinball: summary.fedavg.pinball ?? null,
      rounds: summary.fedavg.rounds,
    },
    fedprox: {
      pinball: summary.fedprox.pinball ?? null,
      rounds: summary.fedprox.rounds,
    },
    byzantine_20pct: { pinball: summary.byzantine_20pct.pinball ?? null },
    bytes_per_round: summary.bytes_per_round,
    agent_cpu_s_per_round: summary.agent_cpu_s_per_round,
    noninferiority_upper: summary.noninferiority_upper,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

await main();
