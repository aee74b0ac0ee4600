-- Custom SQL migration: running totals and namespace sums for allocation rows written before 0007.
-- Running totals and carry rows for the container_allocation_1h rows written before them (see refreshAllocation).
WITH bounds AS (
  SELECT cluster_id, min(bucket) AS g0, max(bucket) AS g1 FROM container_allocation_1h GROUP BY cluster_id
),
ids AS (
  SELECT DISTINCT container_id, cluster_id FROM container_allocation_1h WHERE covered_seconds > 0
),
cells AS (
  SELECT g.container_id, g.cluster_id, g.bucket, coalesce(t.covered_seconds, 0)::float8 as covered_seconds, coalesce(t.cpu_usage_core_seconds, 0)::float8 as cpu_usage_core_seconds, coalesce(t.cpu_request_core_seconds, 0)::float8 as cpu_request_core_seconds, coalesce(t.cpu_allocated_core_seconds, 0)::float8 as cpu_allocated_core_seconds, coalesce(t.memory_usage_byte_seconds, 0)::float8 as memory_usage_byte_seconds, coalesce(t.memory_request_byte_seconds, 0)::float8 as memory_request_byte_seconds, coalesce(t.memory_allocated_byte_seconds, 0)::float8 as memory_allocated_byte_seconds,
    coalesce(t.covered_seconds, 0) > 0 AS active
  FROM (
    SELECT ids.container_id, ids.cluster_id, s.bucket
    FROM ids JOIN bounds b ON b.cluster_id = ids.cluster_id
    CROSS JOIN LATERAL generate_series(b.g0, b.g1, interval '1 hour') s(bucket)
  ) g
  LEFT JOIN container_allocation_1h t ON t.container_id = g.container_id AND t.bucket = g.bucket
),
marked AS (
  SELECT cells.*, max(CASE WHEN active THEN bucket END) OVER w AS last_active
  FROM cells WINDOW w AS (PARTITION BY container_id ORDER BY bucket)
),
kept AS (
  SELECT marked.*, last_active IS NOT NULL AND bucket - last_active <= interval '50 hours' AS keep FROM marked
),
starts AS (
  SELECT kept.*, active AND NOT coalesce(lag(keep) OVER w, false) AS new_chain
  FROM kept WINDOW w AS (PARTITION BY container_id ORDER BY bucket)
),
segments AS (
  SELECT starts.*, count(*) FILTER (WHERE new_chain) OVER w AS seg,
    max(CASE WHEN new_chain THEN bucket END) OVER w AS seg_start
  FROM starts WINDOW w AS (PARTITION BY container_id ORDER BY bucket)
),
totals AS (
  SELECT segments.*,
    sum(covered_seconds) over chain as cum_covered_seconds,
    sum(cpu_usage_core_seconds) over chain as cum_cpu_usage_core_seconds,
    sum(cpu_request_core_seconds) over chain as cum_cpu_request_core_seconds,
    sum(cpu_allocated_core_seconds) over chain as cum_cpu_allocated_core_seconds,
    sum(memory_usage_byte_seconds) over chain as cum_memory_usage_byte_seconds,
    sum(memory_request_byte_seconds) over chain as cum_memory_request_byte_seconds,
    sum(memory_allocated_byte_seconds) over chain as cum_memory_allocated_byte_seconds
  FROM segments WINDOW chain AS (PARTITION BY container_id, seg ORDER BY bucket)
)
INSERT INTO container_allocation_1h (bucket, cluster_id, container_id, covered_seconds, cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds, memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds, cum_covered_seconds, cum_cpu_usage_core_seconds, cum_cpu_request_core_seconds, cum_cpu_allocated_core_seconds, cum_memory_usage_byte_seconds, cum_memory_request_byte_seconds, cum_memory_allocated_byte_seconds, chain_start, last_active)
SELECT bucket, cluster_id, container_id, covered_seconds::int, cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds, memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds, cum_covered_seconds, cum_cpu_usage_core_seconds, cum_cpu_request_core_seconds, cum_cpu_allocated_core_seconds, cum_memory_usage_byte_seconds, cum_memory_request_byte_seconds, cum_memory_allocated_byte_seconds, seg_start, last_active
FROM totals WHERE keep
ON CONFLICT (container_id, bucket) DO UPDATE SET cum_covered_seconds = excluded.cum_covered_seconds, cum_cpu_usage_core_seconds = excluded.cum_cpu_usage_core_seconds, cum_cpu_request_core_seconds = excluded.cum_cpu_request_core_seconds, cum_cpu_allocated_core_seconds = excluded.cum_cpu_allocated_core_seconds, cum_memory_usage_byte_seconds = excluded.cum_memory_usage_byte_seconds, cum_memory_request_byte_seconds = excluded.cum_memory_request_byte_seconds, cum_memory_allocated_byte_seconds = excluded.cum_memory_allocated_byte_seconds,
  chain_start = excluded.chain_start, last_active = excluded.last_active;
--> statement-breakpoint
-- Running totals and carry rows for the container_allocation_1d rows written before them (see refreshAllocation).
WITH bounds AS (
  SELECT cluster_id, min(bucket) AS g0, max(bucket) AS g1 FROM container_allocation_1d GROUP BY cluster_id
),
ids AS (
  SELECT DISTINCT container_id, cluster_id FROM container_allocation_1d WHERE covered_seconds > 0
),
cells AS (
  SELECT g.container_id, g.cluster_id, g.bucket, coalesce(t.covered_seconds, 0)::float8 as covered_seconds, coalesce(t.cpu_usage_core_seconds, 0)::float8 as cpu_usage_core_seconds, coalesce(t.cpu_request_core_seconds, 0)::float8 as cpu_request_core_seconds, coalesce(t.cpu_allocated_core_seconds, 0)::float8 as cpu_allocated_core_seconds, coalesce(t.memory_usage_byte_seconds, 0)::float8 as memory_usage_byte_seconds, coalesce(t.memory_request_byte_seconds, 0)::float8 as memory_request_byte_seconds, coalesce(t.memory_allocated_byte_seconds, 0)::float8 as memory_allocated_byte_seconds,
    coalesce(t.covered_seconds, 0) > 0 AS active
  FROM (
    SELECT ids.container_id, ids.cluster_id, s.bucket
    FROM ids JOIN bounds b ON b.cluster_id = ids.cluster_id
    CROSS JOIN LATERAL generate_series(b.g0, b.g1, interval '24 hours') s(bucket)
  ) g
  LEFT JOIN container_allocation_1d t ON t.container_id = g.container_id AND t.bucket = g.bucket
),
marked AS (
  SELECT cells.*, max(CASE WHEN active THEN bucket END) OVER w AS last_active
  FROM cells WINDOW w AS (PARTITION BY container_id ORDER BY bucket)
),
kept AS (
  SELECT marked.*, last_active IS NOT NULL AND bucket - last_active <= interval '9648 hours' AS keep FROM marked
),
starts AS (
  SELECT kept.*, active AND NOT coalesce(lag(keep) OVER w, false) AS new_chain
  FROM kept WINDOW w AS (PARTITION BY container_id ORDER BY bucket)
),
segments AS (
  SELECT starts.*, count(*) FILTER (WHERE new_chain) OVER w AS seg,
    max(CASE WHEN new_chain THEN bucket END) OVER w AS seg_start
  FROM starts WINDOW w AS (PARTITION BY container_id ORDER BY bucket)
),
totals AS (
  SELECT segments.*,
    sum(covered_seconds) over chain as cum_covered_seconds,
    sum(cpu_usage_core_seconds) over chain as cum_cpu_usage_core_seconds,
    sum(cpu_request_core_seconds) over chain as cum_cpu_request_core_seconds,
    sum(cpu_allocated_core_seconds) over chain as cum_cpu_allocated_core_seconds,
    sum(memory_usage_byte_seconds) over chain as cum_memory_usage_byte_seconds,
    sum(memory_request_byte_seconds) over chain as cum_memory_request_byte_seconds,
    sum(memory_allocated_byte_seconds) over chain as cum_memory_allocated_byte_seconds
  FROM segments WINDOW chain AS (PARTITION BY container_id, seg ORDER BY bucket)
)
INSERT INTO container_allocation_1d (bucket, cluster_id, container_id, covered_seconds, cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds, memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds, cum_covered_seconds, cum_cpu_usage_core_seconds, cum_cpu_request_core_seconds, cum_cpu_allocated_core_seconds, cum_memory_usage_byte_seconds, cum_memory_request_byte_seconds, cum_memory_allocated_byte_seconds, chain_start, last_active)
SELECT bucket, cluster_id, container_id, covered_seconds::int, cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds, memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds, cum_covered_seconds, cum_cpu_usage_core_seconds, cum_cpu_request_core_seconds, cum_cpu_allocated_core_seconds, cum_memory_usage_byte_seconds, cum_memory_request_byte_seconds, cum_memory_allocated_byte_seconds, seg_start, last_active
FROM totals WHERE keep
ON CONFLICT (container_id, bucket) DO UPDATE SET cum_covered_seconds = excluded.cum_covered_seconds, cum_cpu_usage_core_seconds = excluded.cum_cpu_usage_core_seconds, cum_cpu_request_core_seconds = excluded.cum_cpu_request_core_seconds, cum_cpu_allocated_core_seconds = excluded.cum_cpu_allocated_core_seconds, cum_memory_usage_byte_seconds = excluded.cum_memory_usage_byte_seconds, cum_memory_request_byte_seconds = excluded.cum_memory_request_byte_seconds, cum_memory_allocated_byte_seconds = excluded.cum_memory_allocated_byte_seconds,
  chain_start = excluded.chain_start, last_active = excluded.last_active;
--> statement-breakpoint
INSERT INTO namespace_allocation_1h (cluster_id, namespace, bucket, covered_seconds, cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds, memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds)
SELECT a.cluster_id, w.namespace, a.bucket, sum(a.covered_seconds)::float8, sum(a.cpu_usage_core_seconds)::float8, sum(a.cpu_request_core_seconds)::float8, sum(a.cpu_allocated_core_seconds)::float8, sum(a.memory_usage_byte_seconds)::float8, sum(a.memory_request_byte_seconds)::float8, sum(a.memory_allocated_byte_seconds)::float8
FROM container_allocation_1h a
JOIN containers c ON c.id = a.container_id
JOIN workloads w ON w.id = c.workload_id
WHERE a.covered_seconds > 0
GROUP BY 1, 2, 3
ON CONFLICT (cluster_id, bucket, namespace) DO UPDATE SET covered_seconds = excluded.covered_seconds, cpu_usage_core_seconds = excluded.cpu_usage_core_seconds, cpu_request_core_seconds = excluded.cpu_request_core_seconds, cpu_allocated_core_seconds = excluded.cpu_allocated_core_seconds, memory_usage_byte_seconds = excluded.memory_usage_byte_seconds, memory_request_byte_seconds = excluded.memory_request_byte_seconds, memory_allocated_byte_seconds = excluded.memory_allocated_byte_seconds;
--> statement-breakpoint
INSERT INTO namespace_allocation_1d (cluster_id, namespace, bucket, covered_seconds, cpu_usage_core_seconds, cpu_request_core_seconds, cpu_allocated_core_seconds, memory_usage_byte_seconds, memory_request_byte_seconds, memory_allocated_byte_seconds)
SELECT a.cluster_id, w.namespace, a.bucket, sum(a.covered_seconds)::float8, sum(a.cpu_usage_core_seconds)::float8, sum(a.cpu_request_core_seconds)::float8, sum(a.cpu_allocated_core_seconds)::float8, sum(a.memory_usage_byte_seconds)::float8, sum(a.memory_request_byte_seconds)::float8, sum(a.memory_allocated_byte_seconds)::float8
FROM container_allocation_1d a
JOIN containers c ON c.id = a.container_id
JOIN workloads w ON w.id = c.workload_id
WHERE a.covered_seconds > 0
GROUP BY 1, 2, 3
ON CONFLICT (cluster_id, bucket, namespace) DO UPDATE SET covered_seconds = excluded.covered_seconds, cpu_usage_core_seconds = excluded.cpu_usage_core_seconds, cpu_request_core_seconds = excluded.cpu_request_core_seconds, cpu_allocated_core_seconds = excluded.cpu_allocated_core_seconds, memory_usage_byte_seconds = excluded.memory_usage_byte_seconds, memory_request_byte_seconds = excluded.memory_request_byte_seconds, memory_allocated_byte_seconds = excluded.memory_allocated_byte_seconds;
