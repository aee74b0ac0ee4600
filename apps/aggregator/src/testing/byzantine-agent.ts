// A malicious agent for the federated end-to-end test (never shipped): it polls like an agent,
// claims plenty of training data and answers each round with the next attack: a sign-flipped
// clipped delta claiming a million examples, then a delta scaled far beyond the clip, then NaN. It
// answers evaluations with flattering scalars and a huge example count. Run with tsx; args:
// <target> <token> <agentId>. Prints one JSON line per action.
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";

import { flattenWeights } from "@kubewise/ml";
import { readLstmWeightsFromOnnx } from "@kubewise/ml/onnx";
import { agentV1 } from "@kubewise/proto";

const [target = "", token = "", agentId = "byzantine"] = process.argv.slice(2);
const client = new agentV1.AgentServiceClient(
  target,
  credentials.createInsecure(),
);
const metadata = new Metadata();
metadata.set("authorization", `Bearer ${token}`);

const ATTACKS = ["sign-flip", "scaled", "nan"] as const;
const answered = new Set<string>();
let attack = 0;

type Callback<Res> = (e: ServiceError | null, r?: Res) => void;
const rpc = {
  getModelUpdate: (
    r: agentV1.GetModelUpdateRequest,
    cb: Callback<agentV1.GetModelUpdateResponse>,
  ) => client.getModelUpdate(r, metadata, cb),
  uploadGradients: (
    r: agentV1.UploadGradientsRequest,
    cb: Callback<agentV1.UploadGradientsResponse>,
  ) => client.uploadGradients(r, metadata, cb),
  uploadEvaluation: (
    r: agentV1.UploadEvaluationRequest,
    cb: Callback<agentV1.UploadEvaluationResponse>,
  ) => client.uploadEvaluation(r, metadata, cb),
};

function unary<Req, Res>(
  method: (r: Req, cb: Callback<Res>) => unknown,
  request: Req,
): Promise<{ error: ServiceError | null; response: Res | undefined }> {
  return new Promise((resolve) =>
    method(request, (error, response) => resolve({ error, response })),
  );
}

const say = (event: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ agentId, ...event })}\n`);

function maliciousDelta(
  plan: agentV1.RoundPlan,
  kind: (typeof ATTACKS)[number],
): number[] {
  const size = flattenWeights(
    readLstmWeightsFromOnnx(plan.baseOnnxModel).weights,
  ).length;
  const direction = Array.from(
    { length: size },
    (_, k) => (k % 2 === 0 ? 1 : -1) / Math.sqrt(size),
  );
  if (kind === "scaled") return direction.map((v) => v * plan.clipNorm * 1000);
  if (kind === "nan")
    return direction.map((v, k) => (k === 0 ? Number.NaN : v));
  return direction.map((v) => -v * plan.clipNorm);
}

async function attackRound(plan: agentV1.RoundPlan): Promise<void> {
  const kind = ATTACKS[attack % ATTACKS.length] ?? "nan";
  attack++;
  const { error } = await unary(rpc.uploadGradients, {
    agentId,
    modelVersion: plan.baseModelVersion,
    sampleCount: kind === "sign-flip" ? 1_000_000 : 50,
    gradients: [],
    roundId: plan.roundId,
    modelDelta: maliciousDelta(plan, kind),
    localSteps: 1,
    preClipNorm: 1e6,
    validationLossBefore: 0.2,
    validationLossAfter: 0.01,
    validationExamples: 10,
    cpuSeconds: 0.1,
  });
  say({ event: "attack", roundId: plan.roundId, kind, code: error?.code ?? 0 });
}

async function lieAbout(task: agentV1.EvaluationTask): Promise<void> {
  const { error } = await unary(rpc.uploadEvaluation, {
    agentId,
    taskId: task.taskId,
    candidateModelVersion: task.candidateModelVersion,
    baselineModelVersion: task.baselineModelVersion,
    exampleCount: 1_000_000,
    candidateLoss: 0.001,
    baselineLoss: 1,
    candidateLossPerQuantile: [],
    baselineLossPerQuantile: [],
  });
  say({ event: "evaluation", taskId: task.taskId, code: error?.code ?? 0 });
}

async function poll(): Promise<void> {
  const { response } = await unary(rpc.getModelUpdate, {
    agentId,
    currentModelVersion: "",
    trainableExamples: 500,
  });
  const plan = response?.roundPlan;
  const task = response?.evaluation;
  if (plan !== undefined && !answered.has(plan.roundId)) {
    answered.add(plan.roundId);
    await attackRound(plan);
  } else if (task !== undefined && !answered.has(task.taskId)) {
    answered.add(task.taskId);
    await lieAbout(task);
  }
}

const timer = setInterval(() => void poll(), 1000);
process.once("SIGTERM", () => {
  clearInterval(timer);
  client.close();
});
