export * from "./enums";
export * from "./clusters";
export * from "./workloads";
export * from "./metrics";
export * from "./recommendations";
export * from "./users";
export * from "./audit";
export * from "./models";
