// One line per query module; other packages' owners add their modules here.
export * from "./clusters";
export * from "./workloads";
export * from "./recommendations";
export * from "./safety";
export * from "./anomalies";
export * from "./costs";
export * from "./allocation";
export * from "./notifications";
export * from "./users";
export * from "./tokens";
export * from "./audit-queries";
export * from "./ingest";
export * from "./rollout-signals";
export * from "./models";
export * from "./rollback-floors";
export * from "./workload-recommendations";
export * from "./hpas";
