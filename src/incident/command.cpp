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

namespace {

// The request fields, named once for formatCommand (parseCommand names them in its checks).
nlohmann::ordered_json requestJson(const SetSampleRateCmd& c) {
  return {{"action", "set-sample-rate"}, {"rate", c.rate}};
}
nlohmann::ordered_json requestJson(const TriggerCmd& c) {
  nlohmann::ordered_json j = {{"action", "trigger"}, {"tag", c.tag}};
  if (c.rate) j["rate"] = *c.rate;
  if (c.durationSec) j["duration_sec"] = *c.durationSec;
  return j;
}
nlohmann::ordered_json requestJson(const StopCmd&) {
  return {{"action", "stop"}};
}
nlohmann::ordered_json requestJson(const StatusCmd&) {
  return {{"action", "status"}};
}

Result<std::optional<std::uint64_t>> optionalTs(const json& status, const char* name) {
  auto it = status.find(name);
  if (it == status.end()) return plainError(fmt::format("status has no '{}'", name));
  if (it->is_null()) return std::optional<std::uint64_t>{};
  if (!it->is_number_unsigned()) return plainError(fmt::format("'{}' is not a number", name));
  return std::optional<std::uint64_t>{it->get<std::uint64_t>()};
}

Result<ControlState> parseStatus(const json& s) {
  if (!s.is_object()) return plainError("'status' is not an object");
  ControlState state;
  auto active = s.find("sampling_active");
  auto rate = s.find("rate");
  auto tag = s.find("tag");
  if (active == s.end() || !active->is_number_unsigned() || active->get<std::uint64_t>() > 1)
    return plainError("'sampling_active' is not 0 or 1");
  if (rate == s.end() || !rate->is_number_unsigned()) return plainError("'rate' is not a number");
  if (tag == s.end() || !tag->is_string()) return plainError("'tag' is not a string");
  state.samplingActive = active->get<std::uint64_t>() == 1;
  state.rate = rate->get<std::uint64_t>();
  state.tag = tag->get<std::string>();
  auto trigger = optionalTs(s, "trigger_ts");
  if (!trigger.ok()) return trigger.error();
  auto deadline = optionalTs(s, "deadline_ts");
  if (!deadline.ok()) return deadline.error();
  state.triggerTs = *trigger;
  state.deadlineTs = *deadline;
  return state;
}

}  // namespace

std::string formatCommand(const Command& command) {
  return std::visit([](const auto& c) { return requestJson(c).dump(); }, command);
}

Result<Reply> parseReply(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return plainError("the reply is not a JSON object");
  auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) return plainError("the reply has no boolean 'ok'");
  Reply reply;
  reply.ok = ok->get<bool>();
  if (!reply.ok) {
    auto error = j.find("error");
    if (error == j.end() || !error->is_string())
      return plainError("the error reply has no 'error' text");
    reply.error = error->get<std::string>();
    return reply;
  }
  if (auto status = j.find("status"); status != j.end()) {
    auto state = parseStatus(*status);
    if (!state.ok()) return plainError("the status reply is malformed: " + state.error().message);
    reply.state = std::move(*state);
  }
  return reply;
}

}  // namespace ibsr::incident
