// How long metric data is kept. The TimescaleDB policies in packages/db/drizzle/0001 use the same
// numbers; the plain PostgreSQL path applies them in maintainMetricStorage.

/** Raw samples (daily partitions or hypertable chunks). */
export const RAW_SAMPLE_RETENTION_DAYS = 90;
/** 5-minute rollups (table or continuous aggregate). */
export const ROLLUP_RETENTION_DAYS = 400;
/**
 * Oldest sample the aggregator accepts, one day inside the raw window: an accepted sample never
 * lands in a day that retention has dropped or drops before its rollup is refreshed.
 */
export const MAX_SAMPLE_AGE_DAYS = RAW_SAMPLE_RETENTION_DAYS - 1;
