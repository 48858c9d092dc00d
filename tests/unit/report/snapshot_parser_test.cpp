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

// snapshot6_ lines: v5 with textual IPv6 keys (src_ip6 /128, src_net6 prefixes).
std::string v6Line(const std::string& keyType, const std::string& src, const std::string& top) {
  return "{\"version\":5,\"ts_unix_sec\":1705312920,\"run_id\":\"r6\",\"counter_mode\":"
         "\"cumulative\"" +
         top + ",\"dst_ports\":[443],\"buckets\":[{\"key_type\":\"" + keyType + "\",\"src_ip\":\"" +
         src +
         "\",\"dst_port\":443,\"syn\":7,\"ack\":0,\"handshake_ack\":0,\"rst\":0,\"packets\":7,"
         "\"bytes\":420}]}";
}

TEST_F(ParserTest, Ipv6KeysParseToTheirPrefix) {
  ASSERT_EQ(parse(v6Line("src_net6", "2001:db8:1:2::/64", ",\"prefix_len\":64")), ParseStatus::Ok)
      << parser_.error();
  ASSERT_EQ(snap_.buckets.size(), 1u);
  uint64_t key = snap_.buckets[0].key;
  EXPECT_EQ(keyType(key), KeyType::SrcNet6);
  EXPECT_EQ(keySource(key).toString(), "2001:db8:1:2::/64");
  EXPECT_EQ(formatSource(key), "[2001:db8:1:2::]/64:443");
  EXPECT_EQ(formatKeyValue(key), "2001:db8:1:2::/64");
  EXPECT_EQ(snap_.buckets[0].counters.bytes, 420u);
  EXPECT_EQ(snap_.runId, "r6");

  // Any valid text form names the same key; host bits are cleared as for cidr24 keys.
  ASSERT_EQ(parse(v6Line("src_net6", "2001:DB8:1:2:0:0:0:9/64", "")), ParseStatus::Ok);
  EXPECT_EQ(snap_.buckets[0].key, key);

  ASSERT_EQ(parse(v6Line("src_ip6", "2001:db8::1", ",\"prefix_len\":128")), ParseStatus::Ok)
      << parser_.error();
  key = snap_.buckets[0].key;
  EXPECT_EQ(keyType(key), KeyType::SrcIp6);
  EXPECT_EQ(formatSource(key), "[2001:db8::1]:443");
  EXPECT_EQ(formatKeyValue(key), "2001:db8::1");
  EXPECT_EQ(keyTypeName(keyType(key)), "src_ip6");

  // A line with zero buckets is a valid snapshot (no IPv6 traffic in the interval).
  ASSERT_EQ(parse("{\"version\":5,\"ts_unix_sec\":1705312920,\"prefix_len\":64,\"buckets\":[]}"),
            ParseStatus::Ok);
  EXPECT_TRUE(snap_.buckets.empty());
}

TEST_F(ParserTest, BadIpv6LinesAreRejectedWithTheirReason) {
  const std::pair<std::string, std::string> cases[] = {
      {v6Line("src_ip6", "2001:db8::g", ""), "bucket 0: \"src_ip\" is not an IPv6 address"},
      {v6Line("src_ip6", "2001:db8::1::2", ""), "bucket 0: \"src_ip\" is not an IPv6 address"},
      {v6Line("src_ip6", "10.0.0.1", ""), "bucket 0: \"src_ip\" is not an IPv6 address"},
      {v6Line("src_net6", "10.0.0.0/24", ""), "bucket 0: \"src_ip\" is not an IPv6 address"},
      {v6Line("src_ip", "2001:db8::1", ""), "bucket 0: \"src_ip\" is not an IPv4 address"},
      {v6Line("src_ip6", "2001:db8::/64", ""),
       "bucket 0: src_ip6 key with a prefix in \"src_ip\" (a prefix is src_net6)"},
      {v6Line("src_net6", "2001:db8::", ""),
       "bucket 0: src_net6 key without a /prefix in \"src_ip\""},
      {v6Line("src_net6", "2001:db8::/129", ""),
       "bucket 0: src_net6 prefix length in \"src_ip\" is not in 1..127"},
      {v6Line("src_net6", "2001:db8::/128", ""),
       "bucket 0: src_net6 prefix length in \"src_ip\" is not in 1..127"},
      {v6Line("src_net6", "2001:db8::/064", ""),
       "bucket 0: src_net6 prefix length in \"src_ip\" is not in 1..127"},
      {v6Line("src_net6", "2001:db8::/48", ",\"prefix_len\":64"),
       "bucket 0: src_net6 key of /48 in a line of \"prefix_len\" 64"},
      {v6Line("src_ip6", "2001:db8::1", ",\"prefix_len\":64"),
       "bucket 0: src_ip6 key of /128 in a line of \"prefix_len\" 64"},
      {v6Line("src_net6", "2001:db8::/64", ",\"prefix_len\":129"),
       "\"prefix_len\" is not an integer in 1..128"},
      {v6Line("src_net6", "2001:db8::/64", ",\"prefix_len\":0"),
       "\"prefix_len\" is not an integer in 1..128"},
      {v6Line("src_net6", "2001:db8::/64", ",\"prefix_len\":\"64\""),
       "\"prefix_len\" is not an integer in 1..128"},
      {v6Line("src_cidr6", "2001:db8::/64", ""),
       "bucket 0: unknown key_type (expected src_ip, src_cidr24, src_ip6 or src_net6)"},
      {sub(v6Line("src_ip6", "2001:db8::1", ""), "\"src_ip\":\"2001:db8::1\"", "\"key_value\":1"),
       "bucket 0: \"key_value\" is not an IPv6 address"},
  };
  for (const auto& [text, why] : cases) {
    EXPECT_EQ(parse(text), ParseStatus::Malformed) << text;
    EXPECT_EQ(parser_.error(), why) << text;
  }
}

TEST_F(ParserTest, DuplicateIpv6BucketsAreNamed) {
  std::string one = v6Line("src_net6", "2001:db8:1:2::/64", "");
  std::string b = one.substr(one.find("{\"key_type\""));
  b.pop_back();  // "]}"
  b.pop_back();
  std::string twice = sub(one, b, b + "," + sub(b, "2001:db8:1:2::/64", "2001:db8:1:2::5/64"));
  EXPECT_EQ(parse(twice), ParseStatus::Malformed);
  EXPECT_EQ(parser_.error(), "duplicate bucket for [2001:db8:1:2::]/64:443");
}

}  // namespace
}  // namespace ibsr::report
