export * as agentV1 from "./agent-v1";
