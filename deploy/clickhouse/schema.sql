-- IBSR deltas on a ClickHouse cluster (docs/clickhouse.md). Run it on EVERY server of the cluster:
--   clickhouse-client --multiquery < deploy/clickhouse/schema.sql
-- Written for ClickHouse 18.16 (Debian's clickhouse-server) and current versions alike: no TTL
-- clause here (18.16 has none; ttl.sql adds it on current versions), no ON CLUSTER (it needs
-- ZooKeeper), no LowCardinality, no query parameters.

CREATE DATABASE IF NOT EXISTS ibsr;

-- One row per (host, stream, key, interval) with a non-zero delta: ibsr-report --format deltas
-- (docs/schemas/report-deltas-v1.schema.json). window_start/window_end are the report's own
-- evaluation window of the row's stream, so the window evidence is a plain GROUP BY.
CREATE TABLE IF NOT EXISTS ibsr.deltas_local
(
    v UInt8,
    host String,
    stream String,
    ts UInt32,
    interval_sec UInt32,
    window_start UInt32,
    window_end UInt32,
    key_type String,
    source String,
    dst_port UInt16,
    allowlisted UInt8,
    syn UInt64,
    ack UInt64,
    handshake_ack UInt64,
    rst UInt64,
    packets UInt64,
    bytes UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(toDateTime(ts))
-- Per-host questions read one host's range; per-source ones one source's range within it.
ORDER BY (host, key_type, source, dst_port, stream, ts);

-- The cluster-wide table: insert and query here. The cluster name (ibsr) is the one under
-- <remote_servers> in each server's config; rows of one host go to one shard, so a host's windows
-- are never split between shards.
CREATE TABLE IF NOT EXISTS ibsr.deltas AS ibsr.deltas_local
ENGINE = Distributed(ibsr, ibsr, deltas_local, cityHash64(host));

-- The report's window evidence (REPORT.md "Detection"), one row per (host, stream, key, window),
-- with ibsr-report's default thresholds: to use others, change the four numbers in the WITH clause,
-- DROP TABLE ibsr.window_evidence and run this statement again. Rates are computed like the report
-- computes them (Float64 sums / window span), so a comparison at a threshold comes out the same.
-- Windows of zero span are dropped, as the report drops them.
CREATE VIEW IF NOT EXISTS ibsr.window_evidence AS
WITH
    100 AS syn_rate_threshold,
    0.1 AS success_ratio_threshold,
    500 AS vol_syn_rate,
    1000 AS vol_pkt_rate,
    1000000 AS vol_byte_rate
SELECT
    host,
    stream,
    key_type,
    source,
    dst_port,
    window_start,
    window_end,
    window_end - window_start AS duration_sec,
    max(allowlisted) AS is_allowlisted,
    sum(syn) AS window_syn,
    sum(handshake_ack) AS window_handshake_ack,
    sum(packets) AS window_packets,
    sum(bytes) AS window_bytes,
    window_syn / duration_sec AS syn_rate,
    window_packets / duration_sec AS pkt_rate,
    window_bytes / duration_sec AS byte_rate,
    if(window_syn = 0, 0., window_handshake_ack / window_syn) AS success_ratio,
    syn_rate >= syn_rate_threshold AND success_ratio <= success_ratio_threshold AS syn_churn,
    ((syn_rate >= vol_syn_rate) + (pkt_rate >= vol_pkt_rate) + (byte_rate >= vol_byte_rate)) >= 2
        AS volumetric,
    is_allowlisted = 0 AND (syn_churn OR volumetric) AS flagged
FROM ibsr.deltas
WHERE window_end > window_start
GROUP BY host, stream, key_type, source, dst_port, window_start, window_end;
