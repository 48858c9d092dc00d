#include "report/snapshot_parser.h"

#include "report/canonical_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace ibsr::report {
namespace {

using simdjson::dom::element;

bool getU64(element v, uint64_t& out) {
  return v.get_uint64().get(out) == simdjson::SUCCESS;
}

// IPv4 text for a key: "a.b.c.d", or "a.b.c.d/24" which is only meaningful for cidr24 keys.
bool parseKeyText(std::string_view s, uint32_t& ip, bool& hasPrefix) {
  hasPrefix = false;
  if (s.size() > 3 && s.substr(s.size() - 3) == "/24") {
    hasPrefix = true;
    s.remove_suffix(3);
  }
  auto parsed = parseIpv4(s);
  if (!parsed) return false;
  ip = *parsed;
  return true;
}

enum BucketField : uint32_t {
  kFKeyType = 1u << 0,
  kFKeyValue = 1u << 1,
  kFSrcIp = 1u << 2,
  kFDstPort = 1u << 3,
  kFSyn = 1u << 4,
  kFAck = 1u << 5,
  kFHandshakeAck = 1u << 6,
  kFRst = 1u << 7,
  kFPackets = 1u << 8,
  kFBytes = 1u << 9,
};

}  // namespace

ParseStatus SnapshotParser::fail(std::string why) {
  error_ = std::move(why);
  return ParseStatus::Malformed;
}

ParseStatus SnapshotParser::parseBucket(simdjson::dom::object obj, size_t index, Bucket& out) {
  uint32_t seen = 0;
  KeyType type = KeyType::SrcIp;
  uint32_t ipFromValue = 0, ipFromText = 0;
  bool prefixFromValue = false, prefixFromText = false;
  std::string_view v6Text[2];  // IPv6 text of key_value / src_ip, checked once key_type is known
  uint64_t port = 0;
  Counters& c = out.counters;
  for (simdjson::dom::key_value_pair kv : obj) {
    std::string_view k = kv.key;
    uint32_t bit = 0;
    uint64_t* counter = nullptr;
    if (k == "syn") {
      bit = kFSyn, counter = &c.syn;
    } else if (k == "ack") {
      bit = kFAck, counter = &c.ack;
    } else if (k == "handshake_ack") {
      bit = kFHandshakeAck, counter = &c.handshakeAck;
    } else if (k == "rst") {
      bit = kFRst, counter = &c.rst;
    } else if (k == "packets") {
      bit = kFPackets, counter = &c.packets;
    } else if (k == "bytes") {
      bit = kFBytes, counter = &c.bytes;
    } else if (k == "dst_port") {
      bit = kFDstPort;
    } else if (k == "key_type") {
      bit = kFKeyType;
    } else if (k == "key_value") {
      bit = kFKeyValue;
    } else if (k == "src_ip") {
      bit = kFSrcIp;
    } else {
      continue;  // fields added by later schema versions
    }
    if (seen & bit) return fail(fmt::format("bucket: duplicate field \"{}\"", k));
    seen |= bit;
    element v = kv.value;
    if (counter != nullptr) {
      if (!getU64(v, *counter))
        return fail(fmt::format("bucket: \"{}\" is not an unsigned 64-bit integer", k));
    } else if (bit == kFDstPort) {
      if (!getU64(v, port) || port > 65535)
        return fail("bucket: \"dst_port\" is not an integer in 0..65535");
    } else if (bit == kFKeyType) {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS)
        return fail("bucket: \"key_type\" is not a string");
      if (s == "src_ip") {
        type = KeyType::SrcIp;
      } else if (s == "src_cidr24") {
        type = KeyType::SrcCidr24;
      } else if (s == "src_ip6") {
        type = KeyType::SrcIp6;
      } else if (s == "src_net6") {
        type = KeyType::SrcNet6;
      } else {
        return fail("bucket: unknown key_type (expected src_ip, src_cidr24, src_ip6 or src_net6)");
      }
    } else {
      // key_value (v3: u32; tolerated as text) or src_ip (v4+: dotted text).
      uint32_t& ip = bit == kFKeyValue ? ipFromValue : ipFromText;
      bool& prefix = bit == kFKeyValue ? prefixFromValue : prefixFromText;
      uint64_t n = 0;
      std::string_view s;
      if (bit == kFKeyValue && v.get_uint64().get(n) == simdjson::SUCCESS) {
        if (n > UINT32_MAX) return fail("bucket: \"key_value\" does not fit in 32 bits");
        ip = uint32_t(n);
      } else if (v.get_string().get(s) == simdjson::SUCCESS) {
        if (s.find(':') != std::string_view::npos) {
          v6Text[bit == kFKeyValue ? 0 : 1] = s;
        } else if (!parseKeyText(s, ip, prefix)) {
          return fail(fmt::format("bucket: \"{}\" is not an IPv4 address", k));
        }
      } else {
        return fail(fmt::format("bucket: \"{}\" has the wrong type", k));
      }
    }
  }
  constexpr uint32_t kRequired =
      kFKeyType | kFDstPort | kFSyn | kFAck | kFHandshakeAck | kFRst | kFPackets | kFBytes;
  if ((seen & kRequired) != kRequired) {
    static constexpr std::pair<uint32_t, const char*> kNames[] = {{kFKeyType, "key_type"},
                                                                  {kFDstPort, "dst_port"},
                                                                  {kFSyn, "syn"},
                                                                  {kFAck, "ack"},
                                                                  {kFHandshakeAck, "handshake_ack"},
                                                                  {kFRst, "rst"},
                                                                  {kFPackets, "packets"},
                                                                  {kFBytes, "bytes"}};
    for (auto [b, name] : kNames)
      if (!(seen & b)) return fail(fmt::format("bucket: missing \"{}\"", name));
  }
  if (type == KeyType::SrcIp6 || type == KeyType::SrcNet6)
    return parseIpv6Key(seen & kFKeyValue ? v6Text[0] : std::string_view(),
                        seen & kFSrcIp ? v6Text[1] : std::string_view(), seen, type, uint16_t(port),
                        index, out);
  for (int i = 0; i < 2; ++i)
    if (!v6Text[i].empty())
      return fail(
          fmt::format("bucket: \"{}\" is not an IPv4 address", i == 0 ? "key_value" : "src_ip"));
  uint32_t ip = 0;
  bool prefix = false;
  if ((seen & kFKeyValue) && (seen & kFSrcIp)) {
    if (ipFromValue != ipFromText) return fail("bucket: \"key_value\" and \"src_ip\" disagree");
    ip = ipFromText;
    prefix = prefixFromText || prefixFromValue;
  } else if (seen & kFKeyValue) {
    ip = ipFromValue, prefix = prefixFromValue;
  } else if (seen & kFSrcIp) {
    ip = ipFromText, prefix = prefixFromText;
  } else {
    return fail("bucket: missing \"key_value\"/\"src_ip\"");
  }
  if (type == KeyType::SrcIp && prefix) return fail("bucket: src_ip key with a /24 prefix");
  if (type == KeyType::SrcCidr24) ip &= 0xFFFFFF00u;
  out.key = packKey(type, ip, uint16_t(port));
  return ParseStatus::Ok;
}

// An IPv6 key is only ever text: "2001:db8::1" for src_ip6, "2001:db8:1:2::/64" for src_net6 (a
// prefix of 1..127 bits; host bits are cleared as for cidr24 keys).
ParseStatus SnapshotParser::parseIpv6Key(std::string_view fromValue, std::string_view fromSrc,
                                         uint32_t seen, KeyType type, uint16_t port, size_t index,
                                         Bucket& out) {
  if (!(seen & (kFKeyValue | kFSrcIp))) return fail("bucket: missing \"key_value\"/\"src_ip\"");
  if (((seen & kFKeyValue) && fromValue.empty()) || ((seen & kFSrcIp) && fromSrc.empty()))
    return fail(fmt::format("bucket: \"{}\" is not an IPv6 address",
                            (seen & kFSrcIp) && fromSrc.empty() ? "src_ip" : "key_value"));
  if ((seen & kFKeyValue) && (seen & kFSrcIp) && fromValue != fromSrc)
    return fail("bucket: \"key_value\" and \"src_ip\" disagree");
  const std::string_view text = (seen & kFSrcIp) ? fromSrc : fromValue;
  const char* field = (seen & kFSrcIp) ? "src_ip" : "key_value";
  const size_t slash = text.find('/');
  if (!IpAddress::parseV6(text.substr(0, slash)))
    return fail(fmt::format("bucket: \"{}\" is not an IPv6 address", field));
  if (type == KeyType::SrcIp6 && slash != std::string_view::npos)
    return fail(
        fmt::format("bucket: src_ip6 key with a prefix in \"{}\" (a prefix is src_net6)", field));
  if (type == KeyType::SrcNet6 && slash == std::string_view::npos)
    return fail(fmt::format("bucket: src_net6 key without a /prefix in \"{}\"", field));
  auto prefix = IpPrefix::parse(text, /*requireLength=*/false);
  if (!prefix || (type == KeyType::SrcNet6 && (prefix->length == 0 || prefix->length == 128)))
    return fail(fmt::format("bucket: src_net6 prefix length in \"{}\" is not in 1..127", field));
  // The collector writes the same sorted key list every cycle: the prefix at this position is
  // usually the one of the previous line, so a comparison replaces the intern table's lookup.
  if (index >= lastIpv6_.size()) lastIpv6_.resize(index + 1, {IpPrefix{}, UINT32_MAX});
  auto& [lastPrefix, lastId] = lastIpv6_[index];
  if (lastId == UINT32_MAX || lastPrefix != *prefix) {
    lastPrefix = *prefix;
    lastId = internIpv6Source(*prefix);
  }
  out.key = packKey(type, lastId, port);
  return ParseStatus::Ok;
}

ParseStatus SnapshotParser::parse(const char* data, size_t len, size_t capacity, Snapshot& out) {
  out.clearForLine();
  error_.clear();

  if (parseCanonicalV3(data, len, out)) return checkBuckets(out);
  return parseGeneral(data, len, capacity, out);
}

ParseStatus SnapshotParser::parseGeneral(const char* data, size_t len, size_t capacity,
                                         Snapshot& out) {
  out.clearForLine();
  error_.clear();
  if (capacity < len + simdjson::SIMDJSON_PADDING) return fail("internal: unpadded line");
  element doc;
  auto err = parser_.parse(reinterpret_cast<const uint8_t*>(data), len, false).get(doc);
  if (err) return fail(fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return fail("line is not a JSON object");

  bool haveVersion = false, haveTs = false, haveBuckets = false, haveDstPorts = false;
  bool haveBase = false, haveMode = false, haveRun = false, havePrefixLen = false;
  uint64_t version = 0, prefixLen = 0;
  for (simdjson::dom::key_value_pair kv : root) {
    std::string_view k = kv.key;
    element v = kv.value;
    auto unixTime = [](element e, int64_t& ts) {
      uint64_t u = 0;
      if (!getU64(e, u) || u > uint64_t(kMaxTimestamp)) return false;
      ts = int64_t(u);
      return true;
    };
    auto notUnixTime = [](std::string_view field) {
      return fmt::format("\"{}\" is not a Unix time in 0..{}", field, kMaxTimestamp);
    };
    auto dup = [&](bool& flag) {
      if (flag) return true;
      flag = true;
      return false;
    };
    if (k == "version") {
      if (dup(haveVersion)) return fail("duplicate field \"version\"");
      if (!getU64(v, version) || version > UINT32_MAX)
        return fail("\"version\" is not an unsigned integer");
    } else if (k == "ts_unix_sec") {
      if (dup(haveTs)) return fail("duplicate field \"ts_unix_sec\"");
      if (!unixTime(v, out.ts)) return fail(notUnixTime(k));
    } else if (k == "base_ts_unix_sec") {
      if (dup(haveBase)) return fail("duplicate field \"base_ts_unix_sec\"");
      int64_t base = 0;
      if (!unixTime(v, base)) return fail(notUnixTime(k));
      out.baseTs = base;
    } else if (k == "run_id") {
      // Splits a directory into streams: deltas never cross two runs' counters.
      if (dup(haveRun)) return fail("duplicate field \"run_id\"");
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return fail("\"run_id\" is not a string");
      out.runId.assign(s);
    } else if (k == "counter_mode") {
      if (dup(haveMode)) return fail("duplicate field \"counter_mode\"");
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS || s != "cumulative")
        return fail("unsupported \"counter_mode\" (only \"cumulative\" is defined)");
    } else if (k == "prefix_len") {
      // IPv6 lines say which prefix every src_net6/src_ip6 bucket of the line was cut to.
      if (dup(havePrefixLen)) return fail("duplicate field \"prefix_len\"");
      if (!getU64(v, prefixLen) || prefixLen < 1 || prefixLen > 128)
        return fail("\"prefix_len\" is not an integer in 1..128");
    } else if (k == "dst_ports") {
      if (dup(haveDstPorts)) return fail("duplicate field \"dst_ports\"");
      simdjson::dom::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return fail("\"dst_ports\" is not an array");
      for (auto elem : arr) {
        uint64_t port = 0;
        if (elem.get_uint64().get(port) != simdjson::SUCCESS || port > 65535)
          return fail("\"dst_ports\" holds a value that is not a port number");
        out.dstPorts.push_back(uint16_t(port));
      }
    } else if (k == "buckets") {
      if (dup(haveBuckets)) return fail("duplicate field \"buckets\"");
      simdjson::dom::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return fail("\"buckets\" is not an array");
      for (element elem : arr) {
        simdjson::dom::object obj;
        if (elem.get_object().get(obj) != simdjson::SUCCESS)
          return fail(fmt::format("bucket {} is not an object", out.buckets.size()));
        Bucket& b = out.buckets.emplace_back();
        if (parseBucket(obj, out.buckets.size() - 1, b) != ParseStatus::Ok) {
          error_ = fmt::format("bucket {}: {}", out.buckets.size() - 1, error_.substr(8));
          return ParseStatus::Malformed;
        }
      }
    }
    // Other fields (interval_sec, aggregation, v6/v7 additions) are not needed.
  }
  if (!haveVersion) return fail("missing \"version\"");
  if (version < kMinVersion || version > kMaxVersion) {
    error_ = fmt::format("unsupported snapshot schema version {} (supported: {}..{})", version,
                         kMinVersion, kMaxVersion);
    return ParseStatus::UnsupportedVersion;
  }
  out.version = uint32_t(version);
  if (!haveTs) return fail("missing \"ts_unix_sec\"");
  if (!haveBuckets) return fail("missing \"buckets\"");
  if (havePrefixLen) {
    for (size_t i = 0; i < out.buckets.size(); ++i) {
      const uint64_t key = out.buckets[i].key;
      if (!isIpv6Key(key)) continue;
      const unsigned bits = keySource(key).length;
      if (bits != prefixLen)
        return fail(fmt::format("bucket {}: {} key of /{} in a line of \"prefix_len\" {}", i,
                                keyTypeName(keyType(key)), bits, prefixLen));
    }
  }
  return checkBuckets(out);
}

ParseStatus SnapshotParser::checkBuckets(const Snapshot& out) {
  // The collector sorts buckets, so one linear pass usually proves keys are unique; otherwise sort
  // a copy of the keys. Two buckets for one key would make the cumulative counters ambiguous.
  bool sorted = true;
  for (size_t i = 1; i < out.buckets.size(); ++i) {
    if (out.buckets[i].key <= out.buckets[i - 1].key) {
      sorted = false;
      break;
    }
  }
  if (!sorted) {
    sortScratch_.clear();
    for (const Bucket& b : out.buckets) sortScratch_.push_back(b.key);
    std::sort(sortScratch_.begin(), sortScratch_.end());
    auto it = std::adjacent_find(sortScratch_.begin(), sortScratch_.end());
    if (it != sortScratch_.end())
      return fail(fmt::format("duplicate bucket for {}", formatSource(*it)));
  }
  return ParseStatus::Ok;
}

}  // namespace ibsr::report
