// Stand-in until Part A's rpc_model.cpp is merged (take theirs on conflict): the two functions the
// analysis and its tests need.
#include "report/rpc/rpc_model.h"

#include "report/model.h"

namespace ibsr::report {

std::string formatRpcKey(const RpcKey& key) {
  const std::string addr = key.address.toString();
  return (key.address.isV4() ? addr : "[" + addr + "]") + ":" + std::to_string(key.port);
}

void RpcCounts::add(const RpcCounts& o) {
  requests = satAdd(requests, o.requests);
  responses = satAdd(responses, o.responses);
  requestBytes = satAdd(requestBytes, o.requestBytes);
  responseBytes = satAdd(responseBytes, o.responseBytes);
  for (size_t i = 0; i < httpStatus.size(); ++i)
    httpStatus[i] = satAdd(httpStatus[i], o.httpStatus[i]);
  jsonrpcCalls = satAdd(jsonrpcCalls, o.jsonrpcCalls);
  jsonrpcBatches = satAdd(jsonrpcBatches, o.jsonrpcBatches);
  jsonrpcErrors = satAdd(jsonrpcErrors, o.jsonrpcErrors);
  expensiveCalls = satAdd(expensiveCalls, o.expensiveCalls);
}

}  // namespace ibsr::report
