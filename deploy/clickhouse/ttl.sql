-- Retention for current ClickHouse (19.6 and later; 18.16 has no TTL and rejects this): rows
-- older than 90 days are dropped in the background. Run on every server, after schema.sql:
--   clickhouse-client --multiquery < deploy/clickhouse/ttl.sql
-- On 18.16 drop old days by hand instead (docs/clickhouse.md, "Retention").
ALTER TABLE ibsr.deltas_local MODIFY TTL toDateTime(ts) + INTERVAL 90 DAY;
