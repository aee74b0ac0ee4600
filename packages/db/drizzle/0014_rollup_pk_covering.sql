-- The recommendation pass reads each container's rollup history once per pass (getUsageHistories:
-- container_id, bucket and four columns). The rollups are written bucket by bucket for all
-- containers, so one container's 8 days are spread over about one heap page per bucket (~2,300);
-- the primary key's index, carrying those four columns (INCLUDE), keeps them side by side and makes
-- the read an index-only scan (ADR 0009). The INCLUDE list is exactly what buildUsageHistoriesQuery
-- reads: keep the two in step. The primary key rather than a second index: measured, it costs the
-- rollup refresh less WAL and half the index space for the same read (ADR 0009); the refresh's
-- upserts were not HOT updates before either (their pages are full).
-- Rebuilds the index under an ACCESS EXCLUSIVE lock: rollup reads and refreshes wait for it.
-- Plain path and Citus (a distributed table: rebuilt on every shard). TimescaleDB: the rollups are
-- a continuous aggregate (relkind 'v') with TimescaleDB's own index; left as it is.
DO $$
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = 'metric_rollups_5m'::regclass) <> 'r' THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    -- DDL on a table distributed earlier in this transaction must not open parallel connections.
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
  END IF;
  -- Two statements: Citus refuses ADD CONSTRAINT with other subcommands (one transaction still).
  ALTER TABLE "metric_rollups_5m" DROP CONSTRAINT "metric_rollups_5m_container_id_bucket_pk";
  ALTER TABLE "metric_rollups_5m" ADD CONSTRAINT "metric_rollups_5m_container_id_bucket_pk" PRIMARY KEY ("container_id", "bucket")
      INCLUDE ("cpu_usage_cores_avg", "cpu_usage_cores_max", "memory_working_set_bytes_max", "oom_kill_count_sum");
END $$;
