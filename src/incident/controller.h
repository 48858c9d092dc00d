// Applies trigger-socket commands: updates the kernel config map, rotates the pcap sink on a
// trigger, keeps the state that "status" reports, and stops sampling at a trigger's deadline.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "incident/command.h"
#include "incident/incident_program.h"
#include "incident/pcap_sink.h"

namespace ibsr::incident {

class Controller {
 public:
  // `drain` consumes the events already in the ring buffer, so that a trigger's rotation puts
  // every frame sampled before it into the previous file.
  Controller(IncidentProgram& program, PcapSink& sink, const WallClock& clock,
             std::function<void()> drain, ControlState initial)
      : program_(program),
        sink_(sink),
        clock_(clock),
        drain_(std::move(drain)),
        state_(std::move(initial)) {}

  // Writes the initial state into the config map.
  Status init();
  // One command line in, one reply line out (no newlines).
  std::string handleLine(const std::string& line);
  // Stops sampling once a trigger's duration has passed; returns true when it did.
  bool checkDeadline();

  const ControlState& state() const { return state_; }

 private:
  std::string apply(const Command& cmd);

  IncidentProgram& program_;
  PcapSink& sink_;
  const WallClock& clock_;
  std::function<void()> drain_;
  ControlState state_;
};

// FNV-1a-64 of a tag's bytes: the CFG_INCIDENT_TAG_HASH value copied into every event.
std::uint64_t tagHash(const std::string& tag);

}  // namespace ibsr::incident
