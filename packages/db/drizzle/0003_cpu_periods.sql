-- Nullable, no default: instant on both storage paths (a partitioned table passes it to every
-- partition; a compressed hypertable accepts it without decompressing chunks). NULL = the source
-- did not report nr_periods, so readers fall back to wall-clock periods.
ALTER TABLE "metric_samples" ADD COLUMN "cpu_periods" bigint;