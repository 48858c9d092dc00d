-- Every evaluation window of every (host, stream, key) with its evidence, in ibsr-report's terms:
-- SYN rate, success ratio, packet and byte rates, the SYN-churn and volumetric rules, flagged.
-- Narrow it with a WHERE on host, source or flagged (docs/clickhouse.md).
SELECT
    host,
    stream,
    key_type,
    source,
    dst_port,
    window_start,
    window_end,
    window_syn,
    window_handshake_ack,
    window_packets,
    window_bytes,
    syn_rate,
    success_ratio,
    pkt_rate,
    byte_rate,
    syn_churn,
    volumetric,
    flagged
FROM ibsr.window_evidence
ORDER BY host, stream, key_type, source, dst_port, window_start
