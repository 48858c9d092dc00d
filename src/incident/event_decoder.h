// Turns ring-buffer records into pcap records: validation of the kernel's event, scrubbing,
// timestamp conversion (the kernel stamps CLOCK_MONOTONIC; pcap wants Unix time).
#pragma once

#include <cstddef>
#include <cstdint>

#include "incident/pcap_sink.h"
#include "incident/scrub.h"
#include "incident/status.h"

namespace ibsr::incident {

class EventDecoder {
 public:
  EventDecoder(PcapSink& sink, const Scrubber& scrubber, IncidentStats& stats)
      : sink_(sink), scrubber_(scrubber), stats_(stats) {
    refreshClockOffset();
  }

  // Re-reads CLOCK_REALTIME - CLOCK_MONOTONIC (follows NTP steps; called every status cycle).
  void refreshClockOffset();
  void setClockOffsetNs(std::int64_t offset) { offsetNs_ = offset; }

  // One ring-buffer record; invalid records are counted as decode errors.
  void handle(const void* data, std::size_t size);

 private:
  PcapSink& sink_;
  const Scrubber& scrubber_;
  IncidentStats& stats_;
  std::int64_t offsetNs_ = 0;
};

}  // namespace ibsr::incident
