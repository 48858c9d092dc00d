#include <gtest/gtest.h>

#include <string>

#include "report/snapshot_parser.h"

namespace ibsr::report {
namespace {

// Replaces the first occurrence of `from` in `s`.
std::string sub(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

class ParserTest : public ::testing::Test {
 protected:
  ParseStatus parse(const std::string& line) {
    buf_ = line;
    buf_.append(simdjson::SIMDJSON_PADDING, '\0');
    return parser_.parse(buf_.data(), line.size(), buf_.size(), snap_);
  }
  static std::string bucket(const std::string& key, const std::string& extra = "") {
    return "{\"key_type\":\"src_ip\"," + key +
           ",\"dst_port\":8899,\"syn\":42,\"ack\":156,\"handshake_ack\":40,\"rst\":2,\"packets\":"
           "200,"
           "\"bytes\":45000" +
           extra + "}";
  }
  static std::string line(int version, const std::string& buckets, const std::string& extra = "") {
    return "{\"version\":" + std::to_string(version) +
           ",\"ts_unix_sec\":1705312920,\"dst_ports\":[8899,8900]" + extra + ",\"buckets\":[" +
           buckets + "]}";
  }
  std::string buf_;
  SnapshotParser parser_;
  Snapshot snap_;
};

TEST_F(ParserTest, SeedSchemaV3) {
  ASSERT_EQ(parse(line(3, bucket("\"key_value\":3232235777"))), ParseStatus::Ok) << parser_.error();
  EXPECT_EQ(snap_.version, 3u);
  EXPECT_EQ(snap_.ts, 1705312920);
  EXPECT_EQ(snap_.dstPorts, (std::vector<uint16_t>{8899, 8900}));
  ASSERT_EQ(snap_.buckets.size(), 1u);
  const Bucket& b = snap_.buckets[0];
  EXPECT_EQ(b.key, packKey(KeyType::SrcIp, 3232235777u, 8899));
  EXPECT_EQ(b.counters.syn, 42u);
  EXPECT_EQ(b.counters.ack, 156u);
  EXPECT_EQ(b.counters.handshakeAck, 40u);
  EXPECT_EQ(b.counters.rst, 2u);
  EXPECT_EQ(b.counters.packets, 200u);
  EXPECT_EQ(b.counters.bytes, 45000u);
  EXPECT_FALSE(snap_.baseTs.has_value());
}

TEST_F(ParserTest, LaterSchemas) {
  ASSERT_EQ(parse(line(4, bucket("\"src_ip\":\"192.168.1.1\""))), ParseStatus::Ok)
      << parser_.error();
  EXPECT_EQ(snap_.buckets[0].key, packKey(KeyType::SrcIp, 3232235777u, 8899));
  std::string v5 =
      ",\"interval_sec\":60,\"run_id\":\"r\",\"counter_mode\":\"cumulative\","
      "\"base_ts_unix_sec\":1705312800,\"aggregation\":\"src_ip\"";
  ASSERT_EQ(parse(line(5, bucket("\"src_ip\":\"192.168.1.1\""), v5)), ParseStatus::Ok)
      << parser_.error();
  EXPECT_EQ(snap_.baseTs, 1705312800);
  EXPECT_EQ(snap_.runId, "r");  // splits a directory into streams
  ASSERT_EQ(parse(line(4, bucket("\"src_ip\":\"192.168.1.1\""))), ParseStatus::Ok);
  EXPECT_EQ(snap_.runId, "");  // not carried over from the previous line
  EXPECT_EQ(parse(line(5, bucket("\"src_ip\":\"1.2.3.4\""), ",\"run_id\":7")),
            ParseStatus::Malformed);
  EXPECT_EQ(parse(line(5, bucket("\"src_ip\":\"1.2.3.4\""), ",\"run_id\":\"a\",\"run_id\":\"b\"")),
            ParseStatus::Malformed);
  // v6/v7 fields anywhere are ignored, whatever their type.
  ASSERT_EQ(parse(line(7, bucket("\"src_ip\":\"192.168.1.1\"", ",\"new\":{\"a\":[1,2]}"),
                       v5 + ",\"x\":null")),
            ParseStatus::Ok)
      << parser_.error();
  EXPECT_EQ(parse(line(5, bucket("\"src_ip\":\"1.2.3.4\""), ",\"counter_mode\":\"delta\"")),
            ParseStatus::Malformed);
}

TEST_F(ParserTest, Cidr24KeysAreMasked) {
  std::string b =
      "{\"key_type\":\"src_cidr24\",\"src_ip\":\"10.1.2.0/24\",\"dst_port\":1,\"syn\":0,\"ack\":0,"
      "\"handshake_ack\":0,\"rst\":0,\"packets\":0,\"bytes\":0}";
  ASSERT_EQ(parse(line(6, b)), ParseStatus::Ok) << parser_.error();
  EXPECT_EQ(snap_.buckets[0].key, packKey(KeyType::SrcCidr24, 0x0A010200, 1));
  std::string v3 =
      "{\"key_type\":\"src_cidr24\",\"key_value\":167838215,\"dst_port\":1,\"syn\":0,\"ack\":0,"
      "\"handshake_ack\":0,\"rst\":0,\"packets\":0,\"bytes\":0}";
  ASSERT_EQ(parse(line(3, v3)), ParseStatus::Ok) << parser_.error();
  EXPECT_EQ(snap_.buckets[0].key, packKey(KeyType::SrcCidr24, 0x0A010200, 1));
  // A /24 suffix on a host key is a contradiction.
  EXPECT_EQ(parse(line(4, bucket("\"src_ip\":\"10.1.2.0/24\""))), ParseStatus::Malformed);
}

TEST_F(ParserTest, UnknownVersionsAreNotSkippedSilently) {
  EXPECT_EQ(parse(line(2, "")), ParseStatus::UnsupportedVersion);
  EXPECT_EQ(parse(line(8, "")), ParseStatus::UnsupportedVersion);
  EXPECT_NE(parser_.error().find("version 8"), std::string::npos);
}

TEST_F(ParserTest, RejectsBadLines) {
  const std::string k = "\"key_value\":1";
  const std::vector<std::string> bad = {
      "",
      "{",
      "[]",
      "null",
      line(3, bucket(k)) + "x",
      "{\"ts_unix_sec\":1,\"buckets\":[]}",  // no version
      "{\"version\":3,\"buckets\":[]}",      // no ts
      "{\"version\":3,\"ts_unix_sec\":1}",   // no buckets
      "{\"version\":3,\"version\":3,\"ts_unix_sec\":1,\"buckets\":[]}",
      "{\"version\":\"3\",\"ts_unix_sec\":1,\"buckets\":[]}",
      "{\"version\":3,\"ts_unix_sec\":-1,\"buckets\":[]}",
      "{\"version\":3,\"ts_unix_sec\":1.5,\"buckets\":[]}",
      "{\"version\":3,\"ts_unix_sec\":253402300800,\"buckets\":[]}",
      "{\"version\":3,\"ts_unix_sec\":1,\"buckets\":{}}",
      "{\"version\":3,\"ts_unix_sec\":1,\"dst_ports\":[65536],\"buckets\":[]}",
      "{\"version\":3,\"ts_unix_sec\":1,\"dst_ports\":8899,\"buckets\":[]}",
      line(3, "1"),
      line(3, bucket(k, ",\"syn\":1")),  // duplicate field
      line(3, bucket("\"key_value\":-1")),
      line(3, bucket("\"key_value\":4294967296")),
      line(3, bucket("\"key_value\":\"1.2.3\"")),
      line(3, bucket("\"key_value\":1,\"src_ip\":\"0.0.0.2\"")),  // disagree
      line(3, bucket("\"other\":1")),                             // no key at all
      line(3, sub(bucket(k), "\"syn\":42", "\"syn\":1e3")),
      line(3, sub(bucket(k), "\"syn\":42", "\"syn\":true")),
      line(3, sub(bucket(k), "\"syn\":42", "\"syn\":null")),
      line(3, sub(bucket(k), "\"syn\":42", "\"syn\":18446744073709551616")),
      line(3, sub(bucket(k), "\"syn\":42,", "")),
      line(3, sub(bucket(k), "\"dst_port\":8899", "\"dst_port\":65536")),
      line(3, sub(bucket(k), "src_ip", "src_ipv6")),
      line(3, bucket(k) + "," + bucket(k)),  // duplicate bucket
      std::string("{\"version\":3,\"ts_unix_sec\":1,\"buckets\":[],\"s\":\"\xff\"}"),
      "{\"version\":3,\"ts_unix_sec\":1,\"buckets\":[]," + std::string(5000, '[') +
          std::string(5000, ']') + "}",
  };
  for (const std::string& l : bad) {
    EXPECT_EQ(parse(l), ParseStatus::Malformed) << l.substr(0, 200);
    EXPECT_FALSE(parser_.error().empty());
  }
}

TEST_F(ParserTest, AcceptsMaxValuesAndUnsortedBuckets) {
  std::string a =
      sub(bucket("\"key_value\":4294967295"), "\"bytes\":45000", "\"bytes\":18446744073709551615");
  std::string b = bucket("\"key_value\":1");
  ASSERT_EQ(parse(line(3, a + "," + b)), ParseStatus::Ok) << parser_.error();
  EXPECT_EQ(snap_.buckets[0].counters.bytes, UINT64_MAX);
  EXPECT_EQ(snap_.buckets.size(), 2u);
}

}  // namespace
}  // namespace ibsr::report

namespace ibsr::report {
namespace {

TEST_F(ParserTest, CanonicalFastPathAgreesWithGeneralParser) {
  const std::vector<std::string> lines = {
      line(3, bucket("\"key_value\":3232235777") + "," + bucket("\"key_value\":3232235778")),
      line(3, ""),
      "{\"version\":3,\"ts_unix_sec\":0,\"dst_ports\":[],\"buckets\":[]}",
      line(3, sub(bucket("\"key_value\":1"), "\"bytes\":45000", "\"bytes\":18446744073709551615")),
      line(3, sub(bucket("\"key_value\":1"), "\"bytes\":45000", "\"bytes\":18446744073709551616")),
      line(3, sub(bucket("\"key_value\":1"), "\"syn\":42", "\"syn\":042")),
      line(3, sub(bucket("\"key_value\":1"), "\"syn\":42", "\"syn\":42.0")),
      line(3, sub(bucket("\"key_value\":1"), "\"syn\":42", "\"syn\":4e2")),
      line(3, bucket("\"key_value\":1") + "," + bucket("\"key_value\":1")),
      line(3, bucket("\"key_value\":1")) + " ",
  };
  for (const std::string& l : lines) {
    Snapshot general;
    ParseStatus a = parse(l);
    Snapshot fast = snap_;
    ParseStatus b = parser_.parseGeneral(buf_.data(), l.size(), buf_.size(), general);
    EXPECT_EQ(a, b) << l;
    if (a == ParseStatus::Ok && b == ParseStatus::Ok) {
      EXPECT_EQ(fast.ts, general.ts);
      EXPECT_EQ(fast.dstPorts, general.dstPorts);
      ASSERT_EQ(fast.buckets.size(), general.buckets.size());
      for (size_t i = 0; i < fast.buckets.size(); ++i) {
        EXPECT_EQ(fast.buckets[i].key, general.buckets[i].key);
        EXPECT_EQ(fast.buckets[i].counters.bytes, general.buckets[i].counters.bytes);
        EXPECT_EQ(fast.buckets[i].counters.syn, general.buckets[i].counters.syn);
      }
    }
  }
}

}  // namespace
}  // namespace ibsr::report
