export {
  getRolloutSignals,
  type RolloutSignalsView,
  type WindowSignalsView,
} from "./get-signals";
export {
  GetRolloutSignalsInputSchema,
  type GetRolloutSignalsInput,
} from "./schemas";
