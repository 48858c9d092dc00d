// The application-layer (RPC) thresholds of ibsr-report (docs/report.md "Application layer"),
// after flags and --config are merged. Windowing, block duration, the FP sample minimum, the
// observation gate and --require-multi-window are shared with the counter rules (AnalysisConfig).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ibsr::report {

struct RpcConfig {
  // RPC_AMPLIFICATION: response bytes / request bytes >= amplification AND response bytes per
  // second >= responseByteRate, both over one window.
  double amplification = 10;
  double responseByteRate = 1000000;
  // RPC_FLOOD: requests per second >= requestRate.
  double requestRate = 100;
  // RPC_BATCH_FANOUT: JSON-RPC calls per request >= callsPerRequest, over >= minRequests requests.
  double callsPerRequest = 50;
  // RPC_ERROR_STORM: error ratio >= errorRatio, over >= minRequests requests.
  double errorRatio = 0.9;
  uint64_t minRequests = 50;
  // RPC_EXPENSIVE_METHODS: calls of expensiveMethods / all calls >= expensiveShare AND expensive
  // calls per second >= expensiveRate.
  std::vector<std::string> expensiveMethods = {"eth_getLogs",
                                               "debug_traceTransaction",
                                               "debug_traceCall",
                                               "debug_traceBlockByNumber",
                                               "debug_traceBlockByHash",
                                               "trace_filter",
                                               "trace_block",
                                               "trace_replayBlockTransactions"};
  double expensiveShare = 0.5;
  double expensiveRate = 10;
  // FP bound: a blocked source looks legitimate when, over all its traffic, its amplification is
  // below `amplification` and its error ratio below fpErrorRatio.
  double fpErrorRatio = 0.1;
};

}  // namespace ibsr::report
