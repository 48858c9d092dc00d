#include "incident/command.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace ibsr::incident {
namespace {

TEST(ParseCommand, ValidCommands) {
  auto c = parseCommand(R"({"action":"set-sample-rate","rate":10})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(std::get<SetSampleRateCmd>(*c).rate, 10u);

  c = parseCommand(
      R"({"action":"trigger","tag":"incident-2026-05-09-customer-X","rate":1,"duration_sec":600})");
  ASSERT_TRUE(c.ok());
  const auto& t = std::get<TriggerCmd>(*c);
  EXPECT_EQ(t.tag, "incident-2026-05-09-customer-X");
  EXPECT_EQ(t.rate, 1u);
  EXPECT_EQ(t.durationSec, 600u);

  c = parseCommand(R"({"action":"trigger","tag":"x"})");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(std::get<TriggerCmd>(*c).rate);
  EXPECT_FALSE(std::get<TriggerCmd>(*c).durationSec);

  EXPECT_TRUE(std::holds_alternative<StopCmd>(parseCommand(R"({"action":"stop"})").value()));
  EXPECT_TRUE(
      std::holds_alternative<StatusCmd>(parseCommand(" {\"action\" : \"status\"} ").value()));
  EXPECT_EQ(std::get<SetSampleRateCmd>(
                parseCommand(R"({"rate":1000000000,"action":"set-sample-rate"})").value())
                .rate,
            1000000000u);
}

struct BadCase {
  std::string input;
  std::string error;
};

TEST(ParseCommand, HostileInputGivesTheExactError) {
  const BadCase cases[] = {
      {"", "invalid JSON"},
      {"{", "invalid JSON"},
      {"\xff", "invalid JSON"},
      {"{\"action\":\"stop\"} trailing", "invalid JSON"},
      {"null", "command must be a JSON object"},
      {"[]", "command must be a JSON object"},
      {"{}", "missing field 'action'"},
      {R"({"action":null})", "'action' must be a string"},
      {R"({"action":"reboot"})",
       "unknown action (expected set-sample-rate, trigger, stop or status)"},
      {R"({"action":"status","verbose":true})", "unknown field in command"},
      {R"({"action":"set-sample-rate"})", "missing field 'rate'"},
      {R"({"action":"set-sample-rate","rate":0})", "rate must be >= 1"},
      {R"({"action":"set-sample-rate","rate":-9223372036854775808})", "rate must be >= 1"},
      {R"({"action":"set-sample-rate","rate":18446744073709551615})", "rate must be <= 1000000000"},
      {R"({"action":"set-sample-rate","rate":18446744073709551616})", "rate must be an integer"},
      {R"({"action":"set-sample-rate","rate":1.0})", "rate must be an integer"},
      {R"({"action":"set-sample-rate","rate":[1]})", "rate must be an integer"},
      {R"({"action":"trigger","rate":1})", "missing field 'tag'"},
      {R"({"action":"trigger","tag":["a"]})", "'tag' must be a string"},
      {R"({"action":"trigger","tag":"a/../b"})", "tag may only contain [A-Za-z0-9_-]"},
      {R"({"action":"trigger","tag":"ok","duration_sec":3153600001})",
       "duration_sec must be <= 3153600000"},
      {R"({"action":"trigger","tag":"ok","duration_sec":1.5})", "duration_sec must be an integer"},
  };
  for (const auto& c : cases) {
    auto r = parseCommand(c.input);
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.error().message, c.error) << c.input;
  }
}

TEST(Replies, ExactSeedFormat) {
  EXPECT_EQ(okReply(), R"({"ok":true})");
  EXPECT_EQ(errorReply("rate must be >= 1"), R"({"ok":false,"error":"rate must be >= 1"})");
  EXPECT_EQ(errorReply("quote \" and \n"), R"({"ok":false,"error":"quote \" and \n"})");
  EXPECT_EQ(errorReply("bad \xff utf8"), "{\"ok\":false,\"error\":\"bad \xef\xbf\xbd utf8\"}");
  ControlState s;
  s.samplingActive = true;
  s.rate = 10;
  s.tag = "incident-x";
  s.triggerTs = 1715260200;
  s.deadlineTs = 1715260800;
  EXPECT_EQ(
      statusReply(s),
      R"({"ok":true,"status":{"sampling_active":1,"rate":10,"tag":"incident-x","trigger_ts":1715260200,"deadline_ts":1715260800}})");
  s.samplingActive = false;
  s.triggerTs.reset();
  s.deadlineTs.reset();
  EXPECT_EQ(
      statusReply(s),
      R"({"ok":true,"status":{"sampling_active":0,"rate":10,"tag":"incident-x","trigger_ts":null,"deadline_ts":null}})");
}

}  // namespace
}  // namespace ibsr::incident
