export * as agentV1 from "./gen/kubewise/agent/v1/agent";
