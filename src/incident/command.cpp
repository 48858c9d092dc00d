#include "incident/command.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "incident/options.h"

namespace ibsr::incident {
namespace {

using nlohmann::json;

// An integer field within [min, max]; floats, booleans, strings and out-of-range values are
// errors (a float like 1e30 or an integer beyond 64 bits parses as a float: also an error).
Result<std::uint64_t> intField(const json& v, const char* name, std::int64_t min,
                               std::uint64_t max) {
  if (!v.is_number_integer()) return plainError(fmt::format("{} must be an integer", name));
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u < static_cast<std::uint64_t>(min))
      return plainError(fmt::format("{} must be >= {}", name, min));
    if (u > max) return plainError(fmt::format("{} must be <= {}", name, max));
    return u;
  }
  auto i = v.get<std::int64_t>();
  if (i < min) return plainError(fmt::format("{} must be >= {}", name, min));
  if (static_cast<std::uint64_t>(i) > max)
    return plainError(fmt::format("{} must be <= {}", name, max));
  return static_cast<std::uint64_t>(i);
}

Status onlyFields(const json& obj, std::initializer_list<const char*> allowed) {
  for (const auto& [key, _] : obj.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return plainError("unknown field in command");
  }
  return {};
}

}  // namespace

Result<Command> parseCommand(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return plainError("invalid JSON");
  if (!j.is_object()) return plainError("command must be a JSON object");
  auto action = j.find("action");
  if (action == j.end()) return plainError("missing field 'action'");
  if (!action->is_string()) return plainError("'action' must be a string");
  const auto& name = action->get_ref<const std::string&>();

  if (name == "set-sample-rate") {
    if (Status st = onlyFields(j, {"action", "rate"}); !st.ok()) return st.error();
    auto rate = j.find("rate");
    if (rate == j.end()) return plainError("missing field 'rate'");
    auto r = intField(*rate, "rate", 1, kMaxSampleRate);
    if (!r.ok()) return r.error();
    return Command{SetSampleRateCmd{*r}};
  }
  if (name == "trigger") {
    if (Status st = onlyFields(j, {"action", "tag", "rate", "duration_sec"}); !st.ok())
      return st.error();
    TriggerCmd t;
    auto tag = j.find("tag");
    if (tag == j.end()) return plainError("missing field 'tag'");
    if (!tag->is_string()) return plainError("'tag' must be a string");
    t.tag = tag->get<std::string>();
    if (Status st = validateTag(t.tag); !st.ok()) return st.error();
    if (auto rate = j.find("rate"); rate != j.end()) {
      auto r = intField(*rate, "rate", 1, kMaxSampleRate);
      if (!r.ok()) return r.error();
      t.rate = *r;
    }
    if (auto d = j.find("duration_sec"); d != j.end()) {
      auto r = intField(*d, "duration_sec", 1, kMaxDurationSec);
      if (!r.ok()) return r.error();
      t.durationSec = *r;
    }
    return Command{std::move(t)};
  }
  if (name == "stop") {
    if (Status st = onlyFields(j, {"action"}); !st.ok()) return st.error();
    return Command{StopCmd{}};
  }
  if (name == "status") {
    if (Status st = onlyFields(j, {"action"}); !st.ok()) return st.error();
    return Command{StatusCmd{}};
  }
  return plainError("unknown action (expected set-sample-rate, trigger, stop or status)");
}

std::string okReply() {
  return R"({"ok":true})";
}

std::string errorReply(std::string_view message) {
  // By hand: nlohmann's objects sort their keys, and seed 004 shows "ok" first.
  json text = std::string(message);
  return R"({"ok":false,"error":)" + text.dump(-1, ' ', false, json::error_handler_t::replace) +
         "}";
}

std::string statusReply(const ControlState& s) {
  // Built by hand to keep the key order of seed 004's example.
  auto opt = [](const std::optional<std::uint64_t>& v) {
    return v ? std::to_string(*v) : std::string("null");
  };
  json tag = s.tag;
  return fmt::format(
      R"({{"ok":true,"status":{{"sampling_active":{},"rate":{},"tag":{},"trigger_ts":{},"deadline_ts":{}}}}})",
      s.samplingActive ? 1 : 0, s.rate, tag.dump(), opt(s.triggerTs), opt(s.deadlineTs));
}

}  // namespace ibsr::incident
