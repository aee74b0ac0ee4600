export { getSafetyConfig, type SafetyConfigView } from "./get-config";
export { putSafetyConfig } from "./put-config";
export * from "./schemas";
