// TEMPORARY, part C (outputs) only: weak stand-ins for the interface functions parts A
// (rpc_model.cpp) and B (rpc_analyzer.cpp) define, written from their header contracts, so the
// output branch links and its tests run before those parts land. The strong definitions replace
// them at link time; delete this file (and its line in CMakeLists.txt) when merging A and B.
#include <algorithm>

#include "report/rpc/rpc_analyzer.h"

namespace ibsr::report {

[[gnu::weak]] std::string formatRpcKey(const RpcKey& key) {
  std::string a = key.address.toString();
  return (key.address.isV4() ? a : "[" + a + "]") + ":" + std::to_string(key.port);
}

[[gnu::weak]] std::string_view rpcClassName(RpcClass c) {
  switch (c) {
    case RpcClass::Amplification:
      return "RPC_AMPLIFICATION";
    case RpcClass::Flood:
      return "RPC_FLOOD";
    case RpcClass::ExpensiveMethods:
      return "RPC_EXPENSIVE_METHODS";
    case RpcClass::BatchFanout:
      return "RPC_BATCH_FANOUT";
    case RpcClass::ErrorStorm:
      return "RPC_ERROR_STORM";
    case RpcClass::None:
      break;
  }
  return "";
}

namespace {
double ratio(uint64_t a, uint64_t b) {
  return b == 0 ? 0.0 : double(a) / double(b);
}
double errorRatioOf(const RpcCounts& c) {
  return std::min(
      1.0, std::max(ratio(c.httpErrors(), c.responses), ratio(c.jsonrpcErrors, c.jsonrpcCalls)));
}
}  // namespace

[[gnu::weak]] double RpcWindowStats::amplification() const {
  return ratio(counts.responseBytes, counts.requestBytes);
}
[[gnu::weak]] double RpcWindowStats::callsPerRequest() const {
  return ratio(counts.jsonrpcCalls, counts.requests);
}
[[gnu::weak]] double RpcWindowStats::errorRatio() const {
  return errorRatioOf(counts);
}
[[gnu::weak]] double RpcWindowStats::expensiveShare() const {
  return ratio(counts.expensiveCalls, counts.jsonrpcCalls);
}
[[gnu::weak]] double RpcKeyResult::wholeAmplification() const {
  return ratio(total.responseBytes, total.requestBytes);
}
[[gnu::weak]] double RpcKeyResult::wholeErrorRatio() const {
  return errorRatioOf(total);
}

}  // namespace ibsr::report
