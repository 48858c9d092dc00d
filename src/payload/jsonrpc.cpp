#include "payload/jsonrpc.h"

namespace ibsr::payload {
namespace {

bool isBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

bool callOf(simdjson::dom::element e, RpcCall& out) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj)) return false;
  std::string_view method;
  if (obj["method"].get_string().get(method)) return false;
  out.method = sanitizeMethod(method);
  simdjson::dom::element id;
  out.id = obj["id"].get(id) ? std::string() : simdjson::minify(id);
  return true;
}

}  // namespace

std::string sanitizeMethod(std::string_view name) {
  if (name.empty() || name.size() > kMaxMethodLength) return std::string(kOtherMethod);
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return std::string(kOtherMethod);
  }
  return std::string(name);
}

RpcRequest JsonRpcParser::parseRequest(std::string_view body) {
  RpcRequest r;
  if (isBlank(body)) return r;
  simdjson::dom::element root;
  if (parser_.parse(body.data(), body.size(), true).get(root)) {
    r.kind = BodyKind::NotJson;
    return r;
  }
  simdjson::dom::array arr;
  if (!root.get_array().get(arr)) {
    for (simdjson::dom::element e : arr) {
      RpcCall c;
      if (callOf(e, c)) r.calls.push_back(std::move(c));
    }
    r.kind = r.calls.empty() ? BodyKind::NotJsonRpc : BodyKind::Batch;
    return r;
  }
  RpcCall c;
  if (callOf(root, c)) {
    r.kind = BodyKind::Single;
    r.calls.push_back(std::move(c));
  } else {
    r.kind = BodyKind::NotJsonRpc;
  }
  return r;
}

RpcResponse JsonRpcParser::parseResponse(std::string_view body) {
  RpcResponse r;
  if (isBlank(body)) return r;
  simdjson::dom::element root;
  if (parser_.parse(body.data(), body.size(), true).get(root)) return r;
  auto visit = [&r](simdjson::dom::element e) {
    simdjson::dom::object obj;
    if (e.get_object().get(obj)) return;
    simdjson::dom::element err;
    if (obj["error"].get(err)) return;
    if (err.is_null()) return;  // "error": null is what some servers send on success
    ++r.errors;
    simdjson::dom::element id;
    r.errorIds.push_back(obj["id"].get(id) ? std::string() : simdjson::minify(id));
  };
  simdjson::dom::array arr;
  if (!root.get_array().get(arr)) {
    r.parsed = true;
    for (simdjson::dom::element e : arr) visit(e);
    return r;
  }
  if (root.is_object()) {
    r.parsed = true;
    visit(root);
  }
  return r;
}

}  // namespace ibsr::payload
