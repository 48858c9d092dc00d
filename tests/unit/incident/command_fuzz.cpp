// libFuzzer target for the trigger-socket command parser: arbitrary bytes (one "line") must give
// either a well-formed command or an error reply that is itself one line of valid JSON.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "incident/command.h"
#include "incident/options.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto cmd = ibsr::incident::parseCommand(line);
  std::string reply;
  if (!cmd.ok()) {
    reply = ibsr::incident::errorReply(cmd.error().message);
  } else if (const auto* t = std::get_if<ibsr::incident::TriggerCmd>(&*cmd)) {
    if (!ibsr::incident::validateTag(t->tag).ok()) std::abort();
    if (t->rate && (*t->rate < 1 || *t->rate > ibsr::incident::kMaxSampleRate)) std::abort();
    ibsr::incident::ControlState s;
    s.tag = t->tag;
    reply = ibsr::incident::statusReply(s);
  } else if (const auto* r = std::get_if<ibsr::incident::SetSampleRateCmd>(&*cmd)) {
    if (r->rate < 1 || r->rate > ibsr::incident::kMaxSampleRate) std::abort();
    reply = ibsr::incident::okReply();
  } else {
    reply = ibsr::incident::okReply();
  }
  if (reply.find('\n') != std::string::npos) std::abort();
  auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ok")) std::abort();
  return 0;
}
