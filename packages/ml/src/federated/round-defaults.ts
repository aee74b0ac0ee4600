/**
 * The product's federated training defaults, in one place: the aggregator's round plans start from
 * them (services' DEFAULT_FEDERATION_SETTINGS) and `npm run bench:federated` trains with them, so
 * the bench measures what production does. The aggregator applies the aggregated delta as is (server
 * learning rate 1, no server momentum); docs/adr/0010 has what else was measured.
 */
export const DEFAULT_ROUND_PLAN = {
  localEpochs: 1,
  learningRate: 0.005,
  batchSize: 32,
  fedproxMu: 0.01,
  initialClipNorm: 1,
  historyDays: 7,
} as const;
