// The application-layer thresholds on the command line and in --config: defaults < config <
// flags, for every key (tests/unit/report/test_cli.py covers the error exits).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "report/options.h"

namespace ibsr::report {
namespace {

struct Parsed {
  std::variant<Options, int> result;
  const RpcConfig& rpc() const { return std::get<Options>(result).analysis.rpc; }
};

Parsed parse(std::vector<std::string> extra) {
  std::vector<std::string> args{"ibsr-report", "--input", "in", "-o", "out"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return Parsed{parseOptions(int(argv.size()), argv.data())};
}

std::string writeConfig(const std::string& body) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ibsr-rpc-options-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << body;
  return path.string();
}

TEST(ReportRpcOptions, DefaultsAreTheDocumentedOnes) {
  Parsed p = parse({});
  ASSERT_TRUE(std::holds_alternative<Options>(p.result));
  const RpcConfig& r = p.rpc();
  EXPECT_EQ(r.amplification, 10);
  EXPECT_EQ(r.responseByteRate, 1000000);
  EXPECT_EQ(r.requestRate, 100);
  EXPECT_EQ(r.callsPerRequest, 50);
  EXPECT_EQ(r.errorRatio, 0.9);
  EXPECT_EQ(r.minRequests, 50u);
  EXPECT_EQ(r.expensiveShare, 0.5);
  EXPECT_EQ(r.expensiveRate, 10);
  EXPECT_EQ(r.fpErrorRatio, 0.1);
  EXPECT_EQ(r.expensiveMethods.size(), 8u);
  EXPECT_EQ(r.expensiveMethods.front(), "eth_getLogs");
}

TEST(ReportRpcOptions, ConfigSetsEveryKeyAndFlagsOverrideIt) {
  const std::string cfg = writeConfig(R"({"rpc_amplification": 4, "rpc_response_byte_rate": 500,
    "rpc_request_rate": 20, "rpc_calls_per_request": 8, "rpc_error_ratio": 0.5,
    "rpc_min_requests": 7, "rpc_expensive_methods": ["eth_call"], "rpc_expensive_share": 0.25,
    "rpc_expensive_rate": 2, "rpc_fp_error_ratio": 0.125})");
  Parsed fromConfig = parse({"--config", cfg});
  ASSERT_TRUE(std::holds_alternative<Options>(fromConfig.result));
  const RpcConfig& c = fromConfig.rpc();
  EXPECT_EQ(c.amplification, 4);
  EXPECT_EQ(c.responseByteRate, 500);
  EXPECT_EQ(c.requestRate, 20);
  EXPECT_EQ(c.callsPerRequest, 8);
  EXPECT_EQ(c.errorRatio, 0.5);
  EXPECT_EQ(c.minRequests, 7u);
  EXPECT_EQ(c.expensiveMethods, (std::vector<std::string>{"eth_call"}));
  EXPECT_EQ(c.expensiveShare, 0.25);
  EXPECT_EQ(c.expensiveRate, 2);
  EXPECT_EQ(c.fpErrorRatio, 0.125);

  Parsed both = parse({"--config",
                       cfg,
                       "--rpc-amplification",
                       "3",
                       "--rpc-response-byte-rate",
                       "400",
                       "--rpc-request-rate",
                       "30",
                       "--rpc-calls-per-request",
                       "9",
                       "--rpc-error-ratio",
                       "0.75",
                       "--rpc-min-requests",
                       "1",
                       "--rpc-expensive-method",
                       "trace_filter",
                       "--rpc-expensive-method",
                       "eth_getLogs",
                       "--rpc-expensive-share",
                       "1",
                       "--rpc-expensive-rate",
                       "0.5",
                       "--rpc-fp-error-ratio",
                       "0"});
  ASSERT_TRUE(std::holds_alternative<Options>(both.result));
  const RpcConfig& f = both.rpc();
  EXPECT_EQ(f.amplification, 3);
  EXPECT_EQ(f.responseByteRate, 400);
  EXPECT_EQ(f.requestRate, 30);
  EXPECT_EQ(f.callsPerRequest, 9);
  EXPECT_EQ(f.errorRatio, 0.75);
  EXPECT_EQ(f.minRequests, 1u);
  EXPECT_EQ(f.expensiveMethods, (std::vector<std::string>{"trace_filter", "eth_getLogs"}));
  EXPECT_EQ(f.expensiveShare, 1);
  EXPECT_EQ(f.expensiveRate, 0.5);
  EXPECT_EQ(f.fpErrorRatio, 0);
  std::filesystem::remove(cfg);
}

TEST(ReportRpcOptions, AnEmptyExpensiveListComesOnlyFromTheConfig) {
  const std::string cfg = writeConfig(R"({"rpc_expensive_methods": []})");
  Parsed p = parse({"--config", cfg});
  ASSERT_TRUE(std::holds_alternative<Options>(p.result));
  EXPECT_TRUE(p.rpc().expensiveMethods.empty());
  std::filesystem::remove(cfg);
  Parsed empty = parse({"--rpc-expensive-method", ""});
  ASSERT_TRUE(std::holds_alternative<int>(empty.result));
  EXPECT_EQ(std::get<int>(empty.result), kExitUsage);
}

}  // namespace
}  // namespace ibsr::report
