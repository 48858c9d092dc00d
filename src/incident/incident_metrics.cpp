#include "incident/incident_metrics.h"

namespace ibsr::incident {

void addIncidentMetrics(metrics::Exposition& out, const IncidentStats& s, const ControlState& c,
                        const metrics::Labels& labels) {
  using metrics::Type;
  auto with = [&](const char* artefact) {
    metrics::Labels l = labels;
    l.emplace_back("artefact", artefact);
    return l;
  };
  out.add("ibsr_cycles_total", Type::Counter, "Heartbeats taken (status.jsonl cycle)", labels,
          s.cycle);
  out.add("ibsr_last_success_timestamp_seconds", Type::Gauge,
          "Unix time of the last status.jsonl heartbeat written (0: none yet)", labels,
          s.lastStatusTs);
  out.add("ibsr_write_errors_total", Type::Counter,
          "Lost writes: pcap records (status.jsonl events_write_errors) or heartbeats",
          with("pcap"), s.eventsWriteErrors);
  out.add("ibsr_write_errors_total", Type::Counter, "", with("status"), s.statusWriteErrors);
  out.add("ibsr_ringbuf_drops_total", Type::Counter,
          "Records the kernel could not queue: ring buffer full (packets still pass)", labels,
          s.ringbufDrops);
  out.add("ibsr_incident_packets_written_total", Type::Counter,
          "Sampled packets written to pcap files (status.jsonl events_written)", labels,
          s.eventsWritten);
  out.add("ibsr_incident_pcap_files_total", Type::Counter,
          "pcap files started by this run (the first one plus every rotation)", labels,
          s.rotations + 1);
  out.add("ibsr_incident_disk_bytes", Type::Gauge,
          "Bytes under --out-dir and --archive-dir (pcaps, archives, heartbeats), last measured",
          labels, s.diskBytes);
  out.add("ibsr_incident_archived_total", Type::Counter, "pcaps gzipped into --archive-dir", labels,
          s.archived);
  out.add("ibsr_budget_deleted_files_total", Type::Counter,
          "Files deleted to stay within --max-disk-bytes", labels, s.budgetDeletedFiles);
  out.add("ibsr_budget_deleted_bytes_total", Type::Counter,
          "Bytes of the files deleted to stay within --max-disk-bytes", labels,
          s.budgetDeletedBytes);
  out.add("ibsr_incident_sampling_active", Type::Gauge,
          "1 while packets are sampled, 0 after a stop command or a trigger's deadline", labels,
          c.samplingActive ? 1 : 0);
  out.add("ibsr_incident_trigger_active", Type::Gauge,
          "1 while the capture started by a trigger command is running", labels,
          c.samplingActive && c.triggerTs ? 1 : 0);
  out.add("ibsr_incident_sample_rate", Type::Gauge, "Current 1-in-N sampling rate", labels, c.rate);
}

}  // namespace ibsr::incident
