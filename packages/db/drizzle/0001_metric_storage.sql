-- Each storage path builds its own metric structure: a hypertable cannot be created on a natively
-- partitioned table, so metric_samples and metric_rollups_5m are created here, not in 0000.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb;
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'timescaledb is available but cannot be created (%); using plain PostgreSQL partitioning', SQLERRM;
    END;
  END IF;
END $$;
--> statement-breakpoint
DO $$
DECLARE
  sample_columns text := '
    "ts" timestamp with time zone NOT NULL,
    "container_id" uuid NOT NULL,
    "cpu_usage_cores" double precision NOT NULL,
    "cpu_throttled_periods" bigint DEFAULT 0 NOT NULL,
    "cpu_throttled_seconds" double precision DEFAULT 0 NOT NULL,
    "memory_working_set_bytes" bigint NOT NULL,
    "memory_rss_bytes" bigint NOT NULL,
    "memory_limit_bytes" bigint,
    "oom_kill_count" integer DEFAULT 0 NOT NULL';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    EXECUTE format('CREATE TABLE "metric_samples" (%s)', sample_columns);
    PERFORM create_hypertable('metric_samples', by_range('ts', INTERVAL '1 day'), create_default_indexes => false);
  ELSE
    EXECUTE format('CREATE TABLE "metric_samples" (%s) PARTITION BY RANGE ("ts")', sample_columns);
    CREATE TABLE "metric_samples_default" PARTITION OF "metric_samples" DEFAULT;
  END IF;
END $$;
--> statement-breakpoint
CREATE INDEX "metric_samples_container_ts_idx" ON "metric_samples" USING btree ("container_id","ts");--> statement-breakpoint
CREATE INDEX "metric_samples_ts_brin" ON "metric_samples" USING brin ("ts");--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    ALTER TABLE "metric_samples" SET (
      timescaledb.compress,
      timescaledb.compress_segmentby = 'container_id',
      timescaledb.compress_orderby = 'ts DESC'
    );
    PERFORM add_compression_policy('metric_samples', INTERVAL '7 days');
    PERFORM add_retention_policy('metric_samples', INTERVAL '90 days');
    -- Same name and columns as the plain path's rollup table, so one query API reads both.
    CREATE MATERIALIZED VIEW "metric_rollups_5m" WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT
        time_bucket(INTERVAL '5 minutes', "ts") AS "bucket",
        "container_id",
        count(*)::integer AS "sample_count",
        avg("cpu_usage_cores") AS "cpu_usage_cores_avg",
        max("cpu_usage_cores") AS "cpu_usage_cores_max",
        sum("cpu_throttled_periods")::bigint AS "cpu_throttled_periods_sum",
        sum("cpu_throttled_seconds") AS "cpu_throttled_seconds_sum",
        avg("memory_working_set_bytes")::double precision AS "memory_working_set_bytes_avg",
        max("memory_working_set_bytes") AS "memory_working_set_bytes_max",
        max("memory_rss_bytes") AS "memory_rss_bytes_max",
        sum("oom_kill_count")::integer AS "oom_kill_count_sum"
      FROM "metric_samples"
      GROUP BY 1, 2
      WITH NO DATA;
    PERFORM add_continuous_aggregate_policy('metric_rollups_5m',
      start_offset => INTERVAL '3 days', end_offset => INTERVAL '5 minutes', schedule_interval => INTERVAL '5 minutes');
    PERFORM add_retention_policy('metric_rollups_5m', INTERVAL '400 days');
  ELSE
    CREATE TABLE "metric_rollups_5m" (
      "bucket" timestamp with time zone NOT NULL,
      "container_id" uuid NOT NULL,
      "sample_count" integer NOT NULL,
      "cpu_usage_cores_avg" double precision NOT NULL,
      "cpu_usage_cores_max" double precision NOT NULL,
      "cpu_throttled_periods_sum" bigint NOT NULL,
      "cpu_throttled_seconds_sum" double precision NOT NULL,
      "memory_working_set_bytes_avg" double precision NOT NULL,
      "memory_working_set_bytes_max" bigint NOT NULL,
      "memory_rss_bytes_max" bigint NOT NULL,
      "oom_kill_count_sum" integer NOT NULL,
      CONSTRAINT "metric_rollups_5m_container_id_bucket_pk" PRIMARY KEY("container_id","bucket")
    );
    CREATE INDEX "metric_rollups_5m_bucket_idx" ON "metric_rollups_5m" USING btree ("bucket");
  END IF;
END $$;
--> statement-breakpoint
-- Plain path: one partition per UTC day. Rows that already landed in the default partition for a
-- new day are moved into it, so ATTACH never fails. A no-op on the TimescaleDB path.
CREATE OR REPLACE FUNCTION "kubewise_ensure_metric_partitions"(from_day date, to_day date)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public
AS $$
DECLARE
  day date := from_day;
  created integer := 0;
  part text;
  lo timestamptz;
  hi timestamptz;
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = 'metric_samples'::regclass) <> 'p' THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('kubewise_ensure_metric_partitions'));
  WHILE day < to_day LOOP
    part := format('metric_samples_p%s', to_char(day, 'YYYYMMDD'));
    IF to_regclass(part) IS NULL THEN
      lo := day::timestamp AT TIME ZONE 'UTC';
      hi := (day + 1)::timestamp AT TIME ZONE 'UTC';
      EXECUTE format('CREATE TABLE %I (LIKE "metric_samples" INCLUDING DEFAULTS)', part);
      EXECUTE format(
        'WITH moved AS (DELETE FROM "metric_samples_default" WHERE "ts" >= %L AND "ts" < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
        lo, hi, part);
      EXECUTE format('ALTER TABLE "metric_samples" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      created := created + 1;
    END IF;
    day := day + 1;
  END LOOP;
  RETURN created;
END $$;
--> statement-breakpoint
SELECT "kubewise_ensure_metric_partitions"((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 8);
