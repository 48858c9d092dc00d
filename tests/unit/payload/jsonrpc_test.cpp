#include "payload/jsonrpc.h"

#include <gtest/gtest.h>

namespace ibsr::payload {
namespace {

TEST(PayloadJsonRpcTest, SingleCall) {
  JsonRpcParser p;
  auto r = p.parseRequest(R"({"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":[]})");
  EXPECT_EQ(r.kind, BodyKind::Single);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].method, "eth_getBalance");
  EXPECT_EQ(r.calls[0].id, "7");
}

TEST(PayloadJsonRpcTest, BatchKeepsOnlyCallObjects) {
  JsonRpcParser p;
  auto r =
      p.parseRequest(R"([{"jsonrpc":"2.0","id":"a","method":"m1"},{"id":2},5,{"method":"m2"}])");
  EXPECT_EQ(r.kind, BodyKind::Batch);
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0].method, "m1");
  EXPECT_EQ(r.calls[0].id, "\"a\"");
  EXPECT_EQ(r.calls[1].method, "m2");
  EXPECT_EQ(r.calls[1].id, "");
}

TEST(PayloadJsonRpcTest, Kinds) {
  JsonRpcParser p;
  EXPECT_EQ(p.parseRequest("").kind, BodyKind::Empty);
  EXPECT_EQ(p.parseRequest(" \r\n").kind, BodyKind::Empty);
  EXPECT_EQ(p.parseRequest(R"({"jsonrpc":"2.0","method":)").kind, BodyKind::NotJson);
  EXPECT_EQ(p.parseRequest(R"({"a":1})").kind, BodyKind::NotJsonRpc);
  EXPECT_EQ(p.parseRequest(R"([])").kind, BodyKind::NotJsonRpc);
  EXPECT_EQ(p.parseRequest(R"({"method":5})").kind, BodyKind::NotJsonRpc);
}

TEST(PayloadJsonRpcTest, MethodNamesAreSanitised) {
  EXPECT_EQ(sanitizeMethod("eth_call"), "eth_call");
  EXPECT_EQ(sanitizeMethod("with space"), "with space");
  EXPECT_EQ(sanitizeMethod(""), "other");
  EXPECT_EQ(sanitizeMethod(std::string(64, 'a')), std::string(64, 'a'));
  EXPECT_EQ(sanitizeMethod(std::string(65, 'a')), "other");
  EXPECT_EQ(sanitizeMethod("tab\there"), "other");
  EXPECT_EQ(sanitizeMethod("caf\xc3\xa9"), "other");
  JsonRpcParser p;
  auto r = p.parseRequest(R"({"method":"a\u0000b"})");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].method, "other");
}

TEST(PayloadJsonRpcTest, ResponseErrors) {
  JsonRpcParser p;
  EXPECT_EQ(p.parseResponse(R"({"jsonrpc":"2.0","id":1,"result":"0x1"})").errors, 0u);
  EXPECT_EQ(p.parseResponse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-1}})").errors, 1u);
  EXPECT_EQ(p.parseResponse(R"({"id":1,"result":1,"error":null})").errors, 0u);
  auto b = p.parseResponse(R"([{"id":1,"result":1},{"id":2,"error":{}},{"id":3,"error":{}}])");
  EXPECT_TRUE(b.parsed);
  EXPECT_EQ(b.errors, 2u);
  EXPECT_EQ(b.errorIds, (std::vector<std::string>{"2", "3"}));
  EXPECT_FALSE(p.parseResponse("{trunc").parsed);
}

}  // namespace
}  // namespace ibsr::payload
