import {
  pairedRatioUpperBound,
  type PairedLoss,
  type RatioInterval,
} from "./noninferiority";

export type GateSettings = {
  /** Non-inferiority margin: the 95 % upper bound of candidate / baseline must be <= 1 + margin. */
  margin: number;
  minAgents: number;
  minContainers: number;
  resamples: number;
  seed: number;
};

export const DEFAULT_GATE: GateSettings = {
  margin: 0.03,
  minAgents: 3,
  minContainers: 3,
  resamples: 2000,
  seed: 14,
};

export type GateVerdict = {
  pass: boolean;
  reasons: string[];
  federated: RatioInterval;
  central: RatioInterval;
};

function check(
  name: string,
  interval: RatioInterval,
  options: { minUnits: number; margin: number },
): string | undefined {
  if (interval.units < options.minUnits)
    return `${name}: ${interval.units} units scored, at least ${options.minUnits} needed`;
  if (!(interval.upper <= 1 + options.margin))
    return `${name}: upper bound ${interval.upper.toFixed(4)} of candidate/baseline pinball exceeds ${(1 + options.margin).toFixed(2)}`;
  return undefined;
}

/**
 * The promotion gate: a candidate passes only if it is non-inferior to the baseline on the agents'
 * federated evaluation (per-agent loss sums) and on the aggregator's central holdout (per container).
 */
export function decideGate(
  input: { federated: readonly PairedLoss[]; central: readonly PairedLoss[] },
  settings: GateSettings = DEFAULT_GATE,
): GateVerdict {
  const bootstrap = {
    resamples: settings.resamples,
    level: 0.95,
    seed: settings.seed,
  };
  const federated = pairedRatioUpperBound(input.federated, bootstrap);
  const central = pairedRatioUpperBound(input.central, bootstrap);
  const reasons = [
    check("federated evaluation", federated, {
      minUnits: settings.minAgents,
      margin: settings.margin,
    }),
    check("central holdout", central, {
      minUnits: settings.minContainers,
      margin: settings.margin,
    }),
  ].filter((r): r is string => r !== undefined);
  return { pass: reasons.length === 0, reasons, federated, central };
}

/** After a canary or a promotion: has the new model regressed against the one before it? */
export function hasRegressed(
  scores: readonly PairedLoss[],
  settings: Pick<GateSettings, "margin">,
): { regressed: boolean; ratio: number } {
  const total = (key: keyof PairedLoss) =>
    scores.reduce((a, p) => a + p[key], 0);
  const ratio = total("candidate") / total("baseline");
  return { regressed: !(ratio <= 1 + settings.margin), ratio };
}
