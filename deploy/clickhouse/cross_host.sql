-- Sources flagged on two or more hosts: coordinated abuse no single host's report shows. A source
-- is its key_type and address or prefix (any destination port); flagged means at least one window
-- of one of its keys on that host was SYN-churn or volumetric (and it is not allowlisted there).
SELECT
    key_type,
    source,
    uniqExact(host) AS hosts,
    arraySort(groupUniqArray(host)) AS host_list,
    arraySort(groupUniqArray(dst_port)) AS dst_ports,
    count() AS flagged_windows,
    max(syn_rate) AS peak_syn_rate
FROM ibsr.window_evidence
WHERE flagged
GROUP BY key_type, source
HAVING hosts >= 2
ORDER BY hosts DESC, key_type, source
