// JSON-RPC 2.0 bodies (simdjson). A request body is a call object or a batch (a non-empty array
// of call objects); a call is an object whose "method" is a string. Method names are sanitised
// before they are ever stored: 1..kMaxMethodLength printable ASCII bytes (0x20..0x7e) are kept
// as they are; anything else is counted under kOtherMethod.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ibsr::payload {

inline constexpr std::size_t kMaxMethodLength = 64;
inline constexpr std::string_view kOtherMethod = "other";

enum class BodyKind {
  Empty,       // no body: not JSON-RPC, not an error
  NotJson,     // not valid JSON: a parse error
  NotJsonRpc,  // valid JSON but no call in it
  Single,
  Batch,
};

struct RpcCall {
  std::string method;  // sanitised
  std::string id;      // the id's JSON text (minified), "" when absent (notification)
};

struct RpcRequest {
  BodyKind kind = BodyKind::Empty;
  std::vector<RpcCall> calls;
};

struct RpcResponse {
  bool parsed = false;                // a JSON object or array
  std::uint32_t errors = 0;           // response objects with an "error" member
  std::vector<std::string> errorIds;  // ids of those (batch pairing), JSON text
};

// Returns the sanitised method name (kOtherMethod when the name is not acceptable).
std::string sanitizeMethod(std::string_view name);

class JsonRpcParser {
 public:
  RpcRequest parseRequest(std::string_view body);
  RpcResponse parseResponse(std::string_view body);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace ibsr::payload
