// The client half of the trigger-socket protocol (`ibsr incident`): requests it builds are read
// back by the server's parser unchanged, replies the server writes are read back exactly, and
// anything else is a clear error.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "incident/client_output.h"
#include "incident/command.h"

namespace ibsr::incident {
namespace {

TEST(FormatCommand, ExactRequestLines) {
  EXPECT_EQ(formatCommand(SetSampleRateCmd{10}), R"({"action":"set-sample-rate","rate":10})");
  EXPECT_EQ(formatCommand(TriggerCmd{"inc-A", 1, 600}),
            R"({"action":"trigger","tag":"inc-A","rate":1,"duration_sec":600})");
  EXPECT_EQ(formatCommand(TriggerCmd{"inc-B", std::nullopt, std::nullopt}),
            R"({"action":"trigger","tag":"inc-B"})");
  EXPECT_EQ(formatCommand(TriggerCmd{"t", std::nullopt, 5}),
            R"({"action":"trigger","tag":"t","duration_sec":5})");
  EXPECT_EQ(formatCommand(StopCmd{}), R"({"action":"stop"})");
  EXPECT_EQ(formatCommand(StatusCmd{}), R"({"action":"status"})");
  // A tag the server refuses is still sent as valid JSON (the server's error is shown).
  EXPECT_EQ(formatCommand(TriggerCmd{"a\"b\\", std::nullopt, std::nullopt}),
            R"({"action":"trigger","tag":"a\"b\\"})");
}

TEST(FormatCommand, ServerParsesEveryRequestBack) {
  auto rate = parseCommand(formatCommand(SetSampleRateCmd{1000000000}));
  ASSERT_TRUE(rate.ok()) << rate.error().message;
  EXPECT_EQ(std::get<SetSampleRateCmd>(*rate).rate, 1000000000u);

  auto trig = parseCommand(formatCommand(TriggerCmd{"inc-A", 7, 3153600000}));
  ASSERT_TRUE(trig.ok()) << trig.error().message;
  EXPECT_EQ(std::get<TriggerCmd>(*trig).tag, "inc-A");
  EXPECT_EQ(std::get<TriggerCmd>(*trig).rate, 7u);
  EXPECT_EQ(std::get<TriggerCmd>(*trig).durationSec, 3153600000u);

  auto bare = parseCommand(formatCommand(TriggerCmd{"x", std::nullopt, std::nullopt}));
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_FALSE(std::get<TriggerCmd>(*bare).rate);
  EXPECT_FALSE(std::get<TriggerCmd>(*bare).durationSec);

  EXPECT_TRUE(std::holds_alternative<StopCmd>(parseCommand(formatCommand(StopCmd{})).value()));
  EXPECT_TRUE(std::holds_alternative<StatusCmd>(parseCommand(formatCommand(StatusCmd{})).value()));

  // Out-of-range values reach the server, which refuses them with its own message.
  auto zero = parseCommand(formatCommand(SetSampleRateCmd{0}));
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message, "rate must be >= 1");
}

TEST(ParseReply, ReadsWhatTheServerWrites) {
  auto ok = parseReply(okReply());
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->ok);
  EXPECT_FALSE(ok->state);

  auto err = parseReply(errorReply("tag may only contain [A-Za-z0-9_-]"));
  ASSERT_TRUE(err.ok()) << err.error().message;
  EXPECT_FALSE(err->ok);
  EXPECT_EQ(err->error, "tag may only contain [A-Za-z0-9_-]");

  ControlState s{false, 1, "inc-A", 1715260200, 1715260800};
  auto st = parseReply(statusReply(s));
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_TRUE(st->state);
  EXPECT_FALSE(st->state->samplingActive);
  EXPECT_EQ(st->state->rate, 1u);
  EXPECT_EQ(st->state->tag, "inc-A");
  EXPECT_EQ(st->state->triggerTs, 1715260200u);
  EXPECT_EQ(st->state->deadlineTs, 1715260800u);

  auto fresh = parseReply(statusReply(ControlState{true, 1000, "base", {}, {}}));
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_TRUE(fresh->state->samplingActive);
  EXPECT_FALSE(fresh->state->triggerTs);
  EXPECT_FALSE(fresh->state->deadlineTs);
}

TEST(ParseReply, MalformedRepliesAreErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "the reply is not a JSON object"},
      {"not json", "the reply is not a JSON object"},
      {"[true]", "the reply is not a JSON object"},
      {"{}", "the reply has no boolean 'ok'"},
      {R"({"ok":1})", "the reply has no boolean 'ok'"},
      {R"({"ok":false})", "the error reply has no 'error' text"},
      {R"({"ok":false,"error":5})", "the error reply has no 'error' text"},
      {R"({"ok":true,"status":[]})", "the status reply is malformed: 'status' is not an object"},
      {R"({"ok":true,"status":{"sampling_active":2,"rate":1,"tag":"t","trigger_ts":null,"deadline_ts":null}})",
       "the status reply is malformed: 'sampling_active' is not 0 or 1"},
      {R"({"ok":true,"status":{"sampling_active":1,"rate":"1","tag":"t","trigger_ts":null,"deadline_ts":null}})",
       "the status reply is malformed: 'rate' is not a number"},
      {R"({"ok":true,"status":{"sampling_active":1,"rate":1,"tag":null,"trigger_ts":null,"deadline_ts":null}})",
       "the status reply is malformed: 'tag' is not a string"},
      {R"({"ok":true,"status":{"sampling_active":1,"rate":1,"tag":"t","deadline_ts":null}})",
       "the status reply is malformed: status has no 'trigger_ts'"},
      {R"({"ok":true,"status":{"sampling_active":1,"rate":1,"tag":"t","trigger_ts":-1,"deadline_ts":null}})",
       "the status reply is malformed: 'trigger_ts' is not a number"},
  };
  for (const auto& [line, error] : cases) {
    auto r = parseReply(line);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.error().message, error) << line;
  }
}

TEST(StatusText, OneLinePerField) {
  EXPECT_EQ(statusText(ControlState{true, 1000, "base", {}, {}}),
            "sampling_active: 1\nrate: 1000\ntag: base\ntrigger_ts: none\ndeadline_ts: none\n");
  EXPECT_EQ(statusText(ControlState{false, 1, "inc-A", 1715260200, 1715260800}),
            "sampling_active: 0\nrate: 1\ntag: inc-A\n"
            "trigger_ts: 1715260200 (2024-05-09T13:10:00Z)\n"
            "deadline_ts: 1715260800 (2024-05-09T13:20:00Z)\n");
}

}  // namespace
}  // namespace ibsr::incident
