#include "export/sigv4.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "export/digest.h"

namespace ibsr::s3 {
namespace {

bool isUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims leading/trailing whitespace and collapses inner runs of spaces to one (the spec's Trimall).
std::string trimAll(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string uriEncode(std::string_view s, bool encodeSlash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c) || (c == '/' && !encodeSlash)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string canonicalQueryString(const NameValues& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [n, v] : query) enc.emplace_back(uriEncode(n, true), uriEncode(v, true));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [n, v] : enc) {
    if (!out.empty()) out += '&';
    out += n;
    out += '=';
    out += v;
  }
  return out;
}

std::pair<std::string, std::string> canonicalHeaders(const NameValues& headers) {
  std::map<std::string, std::string> merged;
  for (const auto& [n, v] : headers) {
    auto [it, inserted] = merged.try_emplace(lower(n), trimAll(v));
    if (!inserted) it->second += "," + trimAll(v);
  }
  std::string block, names;
  for (const auto& [n, v] : merged) {
    block += n + ":" + v + "\n";
    if (!names.empty()) names += ';';
    names += n;
  }
  return {block, names};
}

std::string signingKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  auto asView = [](const Sha256& d) {
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
  };
  std::string k = asView(hmacSha256("AWS4" + std::string(secret), date));
  k = asView(hmacSha256(k, region));
  k = asView(hmacSha256(k, service));
  return asView(hmacSha256(k, "aws4_request"));
}

Signature signV4(const SigningRequest& request, const SigningScope& scope,
                 std::string_view accessKeyId, std::string_view secretAccessKey) {
  Signature s;
  auto [block, names] = canonicalHeaders(request.headers);
  s.signedHeaders = names;
  s.canonicalRequest = request.method + "\n" + request.encodedPath + "\n" +
                       canonicalQueryString(request.query) + "\n" + block + "\n" + names + "\n" +
                       request.payloadHash;
  const std::string date = scope.amzDate.substr(0, 8);
  const std::string credentialScope =
      date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  s.stringToSign = "AWS4-HMAC-SHA256\n" + scope.amzDate + "\n" + credentialScope + "\n" +
                   sha256Hex(s.canonicalRequest);
  const std::string key = signingKey(secretAccessKey, date, scope.region, scope.service);
  s.signature = toHex(hmacSha256(key, s.stringToSign));
  s.authorization = "AWS4-HMAC-SHA256 Credential=" + std::string(accessKeyId) + "/" +
                    credentialScope + ", SignedHeaders=" + names + ", Signature=" + s.signature;
  return s;
}

std::string amzDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace ibsr::s3
