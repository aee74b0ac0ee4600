import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type FederatedMetrics = ReturnType<typeof createFederatedMetrics>;

/** Federated training on this agent, in the agent's registry. */
export function createFederatedMetrics(registry: Registry) {
  const registers = [registry];
  return {
    tasks: new Counter({
      name: "kubewise_agent_fl_tasks_total",
      help: "Federated tasks by kind (train, evaluate) and outcome (uploaded, refused_by_aggregator, failed, declined)",
      labelNames: ["kind", "outcome"] as const,
      registers,
    }),
    taskCpuSeconds: new Histogram({
      name: "kubewise_agent_fl_task_cpu_seconds",
      help: "CPU seconds the training child spent on one task (its own process time)",
      labelNames: ["kind"] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8],
      registers,
    }),
    uploadBytes: new Counter({
      name: "kubewise_agent_fl_upload_bytes_total",
      help: "Encoded bytes of federated uploads (deltas and evaluation scalars) sent",
      registers,
    }),
    modelVersion: new Gauge({
      name: "kubewise_agent_model_version",
      help: "Registry version of the forecaster this agent scores with (0 = the shipped file)",
      registers,
    }),
    trainableExamples: new Gauge({
      name: "kubewise_agent_fl_trainable_examples",
      help: "Training windows in the local history at the last poll",
      registers,
    }),
    pollErrors: new Counter({
      name: "kubewise_agent_fl_poll_errors_total",
      help: "GetModelUpdate calls that failed",
      registers,
    }),
  };
}
