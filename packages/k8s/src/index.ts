export * from "./crd/resource-recommendation";
export { buildResourceRecommendationCrd } from "./crd/resource-recommendation-crd";
export { renderCrdFiles, type RenderedFile } from "./crd/render";
export { toStructuralSchema } from "./crd/structural-schema";
export * from "./builders/recommendation-object";
export * from "./builders/workload-patch";
