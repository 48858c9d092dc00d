#include <fmt/format.h>

#include <cmath>

#include "report/report_data.h"

namespace ibsr::report {

std::string htmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;  // attributes may be single-quoted
      default:
        out += c;
    }
  }
  return out;
}

std::string formatPct(double pct) {
  return fmt::format("{:.2f}%", pct);
}

double round4(double x) {
  double r = std::round(x * 10000.0) / 10000.0;
  return r == 0.0 ? 0.0 : r;  // no "-0.0"
}

std::string formatCount(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string familySummary(const Evaluation& ev) {
  auto one = [](const char* name, const FamilyCounts& f) {
    return fmt::format("{}: {} analysed, {} allowlisted, {} blocked ({} of {} SYNs)", name, f.keys,
                       f.allowlistedKeys, f.blockedKeys, formatCount(f.blockedSyn),
                       formatCount(f.syn));
  };
  return one("IPv4", ev.ipv4) + "; " + one("IPv6", ev.ipv6);
}

std::string streamName(const StreamInfo& s) {
  std::string name = s.dir;
  if (s.family == IpFamily::V6) name += " IPv6";
  if (!s.runId.empty()) name += " run " + s.runId;
  if (s.part > 0) name += fmt::format(" part {}", s.part + 1);
  return name;
}

}  // namespace ibsr::report
