export type * from "./recommender";
export {
  createAutopilotRecommender,
  AUTOPILOT_DEFAULTS,
} from "./baselines/autopilot";
export type { AutopilotConfig, OomTolerance } from "./baselines/autopilot";
export {
  AUTOPILOT_ML_DEFAULTS,
  createAutopilotMlRecommender,
} from "./baselines/autopilot-ml";
export type {
  AutopilotMlConfig,
  AutopilotMlWeights,
} from "./baselines/autopilot-ml";
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
export { doesRecommendationHold, HOLDS_DEFINITION } from "./eval/holds";
export type { HoldInput } from "./eval/holds";
export { expectedCalibrationError, PolicyAccumulator } from "./eval/aggregate";
export type { PolicyMetrics, PolicySummary } from "./eval/aggregate";
export {
  effectiveMemLimit,
  hasChangedBeyond,
  isInWindow,
  valuesInForce,
} from "./eval/in-force";
export {
  OPENCOST_CPU_PRICE_PER_CORE_HOUR_MICRO_USD,
  OPENCOST_RAM_PRICE_PER_GIB_HOUR_MICRO_USD,
  requestCostMicroUsd,
} from "./eval/cost";
export { evaluateSeries, PROVISIONED } from "./eval/walk-forward";
export type { PolicyEntry, ScoredDay } from "./eval/walk-forward";
export { createRng } from "./stats/rng";
export { detectMemoryLeak, MEMORY_LEAK_DEFAULTS } from "./anomaly/memory-leak";
export type { MemoryLeakConfig, MemoryLeakResult } from "./anomaly/memory-leak";
export { CPU_SPIKE_DEFAULTS, CpuSpikeDetector } from "./anomaly/cpu-spike";
export type { CpuSpikeConfig, CpuSpikeVerdict } from "./anomaly/cpu-spike";
export { assessOomRisk, OOM_RISK_DEFAULTS } from "./anomaly/oom-risk";
export type { OomRiskConfig, OomRiskResult } from "./anomaly/oom-risk";
export { mannKendall, theilSen } from "./stats/robust";
export {
  buildKubewiseRecommender,
  KUBEWISE_DEFAULTS,
} from "./kubewise/recommender";
export { chooseLadderStep } from "./kubewise/ladder";
export {
  decidePublication,
  materialChanges,
  PUBLICATION_RULE,
  toPublishable,
} from "./publication";
export type {
  Publishable,
  PublicationDecision,
  PublicationInput,
  PublicationRule,
} from "./publication";
export type {
  KubewiseOptions,
  KubewiseRecommender,
  KubewiseSession,
  LadderResult,
} from "./kubewise/recommender";
export type { ForecastFn } from "./kubewise/forecasts";
export type {
  CalibrationMetadata,
  ForecasterMetadata,
} from "./kubewise/model-metadata";
export { RISK_LADDER } from "./kubewise/plan-memory";
export {
  buildModelInput,
  FEATURE_COUNT,
  FEATURE_NAMES,
  SEQ_HOURS,
} from "./features/model-input";
export { createSlotHistory, SLOT_SECONDS } from "./features/slot-history";
export type { SlotHistory, SlotView } from "./features/slot-history";
export { runLstmForward } from "./forecast/lstm-forward";
export type { LstmWeights } from "./forecast/lstm-weights";
export {
  OUTPUT_SIZE,
  QUANTILE_LEVELS,
  targetQuantiles,
} from "./forecast/quantile-heads";
export { loadEmbeddedForecaster } from "./forecast/shipped-weights";
export { detectPeriodicity } from "./policy/periodicity";
export { burstProfile } from "./policy/burst";
export type { BurstProfile } from "./policy/burst";
export {
  applyIsotonic,
  fitIsotonic,
  invertIsotonic,
} from "./calibration/isotonic";
export type { IsotonicMap } from "./calibration/isotonic";
export {
  aggregateDeltas,
  DEFAULT_AGGREGATION,
  maxDeltaNorm,
  nextClipNorm,
  REFUSAL_REASONS,
  screenDelta,
} from "./federated/aggregate";
export type {
  AggregationReport,
  ClientDelta,
  RefusalReason,
  RobustAggregationOptions,
} from "./federated/aggregate";
export { initialWeights } from "./federated/init";
export { DEFAULT_ROUND_PLAN } from "./federated/round-defaults";
export { applyServerUpdate, PLAIN_FEDAVG } from "./federated/server-optimizer";
export { buildLocalExamples } from "./federated/local-data";
export type {
  LocalDataOptions,
  LocalExamples,
  SlotSeries,
} from "./federated/local-data";
export { trainFromBase } from "./federated/local-train";
export type {
  LocalTrainingPlan,
  LocalTrainingResult,
} from "./federated/local-train";
export { HEAD_COUNT, meanPinball, scoreForecasts } from "./federated/evaluate";
export type { ForecastScore } from "./federated/evaluate";
export { pairedRatioUpperBound } from "./federated/noninferiority";
export type { PairedLoss, RatioInterval } from "./federated/noninferiority";
export { decideGate, DEFAULT_GATE, hasRegressed } from "./federated/gate";
export type { GateSettings, GateVerdict } from "./federated/gate";
export {
  flattenWeights,
  fromFloat32Bytes,
  l2Norm,
  parameterLayout,
  toFloat32Bytes,
  unflattenWeights,
} from "./federated/parameters";
export type { ModelShape } from "./federated/parameters";
