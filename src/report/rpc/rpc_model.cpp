#include "report/rpc/rpc_model.h"

#include <fmt/format.h>

#include "report/model.h"

namespace ibsr::report {

std::string formatRpcKey(const RpcKey& key) {
  if (key.address.isV4()) return fmt::format("{}:{}", key.address.toString(), key.port);
  return fmt::format("[{}]:{}", key.address.toString(), key.port);
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
