export type * from "./recommender";
export {
  createAutopilotRecommender,
  AUTOPILOT_DEFAULTS,
} from "./baselines/autopilot";
export type { AutopilotConfig, OomTolerance } from "./baselines/autopilot";
export { createKrrRecommender, KRR_DEFAULTS } from "./baselines/krr";
export type { KrrConfig } from "./baselines/krr";
export { createVpaRecommender, VPA_DEFAULTS } from "./baselines/vpa";
export type { VpaConfig } from "./baselines/vpa";
export { createTidyParser, isTidyHeader } from "./traces/tidy-format";
export type { TidyParser, TidyRow, UnitSystem } from "./traces/tidy-format";
export { parseTidyCsv, TraceSeriesBuilder } from "./traces/series-builder";
export type {
  ParsedTrace,
  SeriesQuality,
  TraceSeries,
} from "./traces/series-builder";
export {
  maxFinite,
  medianAbsoluteDeviation,
  quantileOf,
  quantileSorted,
} from "./stats/quantile";
