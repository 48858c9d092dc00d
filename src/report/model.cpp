#include "report/model.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <ctime>
#include <unordered_map>

namespace ibsr::report {
namespace {

struct PrefixHash {
  size_t operator()(const IpPrefix& p) const {
    uint64_t hi = 0, lo = 0;
    std::memcpy(&hi, p.network.bytes().data(), 8);
    std::memcpy(&lo, p.network.bytes().data() + 8, 8);
    uint64_t h = (hi ^ (lo * 0x9E3779B97F4A7C15ULL) ^ p.length) * 0xff51afd7ed558ccdULL;
    return size_t(h ^ (h >> 32));
  }
};

// The process's IPv6 sources: one entry per distinct prefix, so memory follows the number of
// IPv6 sources, like the rest of the report's state.
struct Ipv6Sources {
  std::unordered_map<IpPrefix, uint32_t, PrefixHash> ids;
  std::vector<IpPrefix> prefixes;
};

Ipv6Sources& ipv6Sources() {
  static Ipv6Sources sources;
  return sources;
}

}  // namespace

uint32_t internIpv6Source(const IpPrefix& prefix) {
  Ipv6Sources& s = ipv6Sources();
  auto [it, added] = s.ids.try_emplace(prefix, uint32_t(s.prefixes.size()));
  if (added) s.prefixes.push_back(prefix);
  return it->second;
}

uint64_t packIpv6Key(const IpPrefix& prefix, uint16_t port) {
  return packKey(prefix.length == 128 ? KeyType::SrcIp6 : KeyType::SrcNet6,
                 internIpv6Source(prefix), port);
}

IpPrefix keySource(uint64_t key) {
  switch (keyType(key)) {
    case KeyType::SrcCidr24:
      return IpPrefix{IpAddress::fromV4(keyIp(key)), 24};
    case KeyType::SrcIp:
      return IpPrefix{IpAddress::fromV4(keyIp(key)), 32};
    case KeyType::SrcIp6:
    case KeyType::SrcNet6:
      break;
  }
  return ipv6Sources().prefixes.at(keyIp(key));
}

bool keyLess(uint64_t a, uint64_t b) {
  if (!isIpv6Key(a) || !isIpv6Key(b)) return a < b;  // IPv4 order, and IPv4 before IPv6
  const IpPrefix& pa = ipv6Sources().prefixes[keyIp(a)];
  const IpPrefix& pb = ipv6Sources().prefixes[keyIp(b)];
  if (pa != pb) return pa < pb;  // network bytes, then length
  return keyPort(a) < keyPort(b);
}

std::string_view keyTypeName(KeyType type) {
  switch (type) {
    case KeyType::SrcCidr24:
      return "src_cidr24";
    case KeyType::SrcIp:
      return "src_ip";
    case KeyType::SrcIp6:
      return "src_ip6";
    case KeyType::SrcNet6:
      return "src_net6";
  }
  return "";
}

std::string formatKeyValue(uint64_t key) {
  switch (keyType(key)) {
    case KeyType::SrcIp:
      return formatIpv4(keyIp(key));
    case KeyType::SrcCidr24:
      return formatIpv4(keyIp(key)) + "/24";
    case KeyType::SrcIp6:
      return keySource(key).network.toString();
    case KeyType::SrcNet6:
      break;
  }
  return keySource(key).toString();
}

std::string formatSource(uint64_t key) {
  switch (keyType(key)) {
    case KeyType::SrcIp6:
      return fmt::format("[{}]:{}", keySource(key).network.toString(), keyPort(key));
    case KeyType::SrcNet6: {
      const IpPrefix p = keySource(key);
      return fmt::format("[{}]/{}:{}", p.network.toString(), p.length, keyPort(key));
    }
    default:
      return fmt::format("{}:{}", formatKeyValue(key), keyPort(key));
  }
}

std::string formatTime(int64_t ts) {
  std::time_t t = static_cast<std::time_t>(ts);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<int64_t> parseTime(std::string_view text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && p == text.data() + text.size()) {
    if (v < 0 || v > kMaxTimestamp) return std::nullopt;
    return v;
  }
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  auto num = [&](size_t at, size_t n, int& out) {
    auto [q, e] = std::from_chars(text.data() + at, text.data() + at + n, out);
    return e == std::errc() && q == text.data() + at + n;
  };
  std::tm tm{};
  int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
  if (!num(0, 4, year) || !num(5, 2, mon) || !num(8, 2, day) || !num(11, 2, hour) ||
      !num(14, 2, min) || !num(17, 2, sec))
    return std::nullopt;
  if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
      sec > 59)
    return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  int64_t t = static_cast<int64_t>(timegm(&tm));
  if (formatTime(t) != text) return std::nullopt;  // rejects 2025-02-31 and the like
  return t;
}

}  // namespace ibsr::report
