// The trigger-socket protocol (seed 004): one JSON object per connection, newline-terminated;
// one JSON reply line. Parsing is total: any input gives a Command or an error message that is
// safe to send back (it never echoes the input).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"

namespace ibsr::incident {

struct SetSampleRateCmd {
  std::uint64_t rate = 0;
};
struct TriggerCmd {
  std::string tag;
  std::optional<std::uint64_t> rate;         // absent: keep the current rate
  std::optional<std::uint64_t> durationSec;  // absent: no automatic stop
};
struct StopCmd {};
struct StatusCmd {};

using Command = std::variant<SetSampleRateCmd, TriggerCmd, StopCmd, StatusCmd>;

// `line` is the command without its trailing newline.
Result<Command> parseCommand(std::string_view line);

// The runtime state reported by "status".
struct ControlState {
  bool samplingActive = true;
  std::uint64_t rate = 1000;
  std::string tag;
  std::optional<std::uint64_t> triggerTs;   // Unix seconds of the last trigger
  std::optional<std::uint64_t> deadlineTs;  // trigger_ts + duration_sec of the last trigger
};

// Reply lines, without the trailing newline.
std::string okReply();
std::string errorReply(std::string_view message);
std::string statusReply(const ControlState& state);

// The client side (`ibsr incident`), next to the server side so the two cannot drift:
// formatCommand(c) is the request line (without the newline) that parseCommand reads back as c.
std::string formatCommand(const Command& command);

// A reply line as the server sends it: ok with an optional status, or an error message.
struct Reply {
  bool ok = false;
  std::string error;                  // set when !ok
  std::optional<ControlState> state;  // set for the reply to "status"
};
// Reads what okReply, errorReply and statusReply write; anything else is an error ("the reply
// ... is not ..."), never a crash.
Result<Reply> parseReply(std::string_view line);

}  // namespace ibsr::incident
