-- Distributed mode (docs/citus.md). On a Citus coordinator the metric tables are hash-distributed
-- by container and co-located (a container's samples and rollups live on one worker, so rollup
-- refreshes and history reads run there), ingest_batches by agent, and the small tables become
-- reference tables (a copy on every node, so joins with them stay local). The audit chain stays on
-- the coordinator: it is append-only through a trigger and serialized through one head row.
-- Without the citus extension in this database this migration does nothing.
DO $$
DECLARE
  workers integer;
  reference_table text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    RAISE EXCEPTION 'Citus and TimescaleDB in one database are not supported: use one or the other';
  END IF;
  IF NOT citus_is_coordinator() THEN
    RAISE EXCEPTION 'this is a Citus worker: run the Kubewise migrations on the coordinator';
  END IF;
  SELECT count(*) INTO workers FROM pg_dist_node
    WHERE groupid <> 0 AND noderole = 'primary' AND isactive AND shouldhaveshards;
  IF workers = 0 THEN
    RAISE EXCEPTION 'Citus coordinator without workers: add them with citus_add_node before migrating';
  END IF;
  -- DDL on tables distributed earlier in this transaction must not open parallel connections.
  PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
  -- Referenced tables first, so every foreign key points at a table that is already distributed.
  FOREACH reference_table IN ARRAY ARRAY['clusters', 'users', 'nodes', 'agents', 'workloads',
    'containers', 'recommendations', 'recommendation_events', 'approvals', 'anomalies',
    'namespace_safety_configs', 'api_tokens', 'user_namespace_scopes', 'model_versions',
    'fl_rounds', 'fl_updates', 'fl_evaluations', 'agent_models', 'alerts', 'budgets',
    'cluster_capacity_1h', 'cluster_cost_settings', 'container_allocation_1d',
    'container_allocation_1h', 'notification_channels', 'notification_outbox', 'user_sessions',
    'namespace_allocation_1h', 'namespace_allocation_1d']
  LOOP
    PERFORM create_reference_table(reference_table);
  END LOOP;
  PERFORM create_distributed_table('ingest_batches', 'agent_id');
  PERFORM create_distributed_table('metric_samples', 'container_id');
  PERFORM create_distributed_table('metric_rollups_5m', 'container_id', colocate_with => 'metric_samples');
END $$;
--> statement-breakpoint
-- Same function as in 0001; on Citus, ATTACH distributes a new partition and copies its rows to
-- the workers but leaves the coordinator's copy behind, which is dropped here.
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
  citus boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus');
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
      IF citus THEN
        EXECUTE format('SELECT truncate_local_data_after_distributing_table(%L)', part);
      END IF;
      created := created + 1;
    END IF;
    day := day + 1;
  END LOOP;
  RETURN created;
END $$;
