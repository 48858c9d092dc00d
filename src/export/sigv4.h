// AWS Signature Version 4 for S3 requests signed in the Authorization header.
// Follows the published algorithm: canonical request -> string to sign -> signature with a key
// derived from (secret, date, region, service). S3 differs from other services in that the path
// is neither normalised nor double-encoded: the canonical URI is exactly the encoded path sent.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ibsr::s3 {

using NameValues = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigningRequest {
  std::string method;       // "GET", "PUT", ...
  std::string encodedPath;  // URI-encoded absolute path as sent on the wire ("/b/k%20x")
  NameValues query;         // decoded names and values; encoded and sorted when signing
  NameValues headers;       // every header to sign, names in any case, values as sent
  std::string payloadHash;  // hex SHA-256 of the body, or kUnsignedPayload
};

struct SigningScope {
  std::string amzDate;  // YYYYMMDD'T'HHMMSS'Z', also sent as x-amz-date
  std::string region;
  std::string service;  // "s3"
};

struct Signature {
  std::string canonicalRequest;
  std::string stringToSign;
  std::string signedHeaders;  // "host;x-amz-date"
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header value
};

// RFC 3986 percent-encoding as SigV4 requires: unreserved characters kept, everything else %XX
// (upper-case hex, UTF-8 bytes); '/' kept only when encodeSlash is false (object key paths).
std::string uriEncode(std::string_view s, bool encodeSlash);

std::string canonicalQueryString(const NameValues& query);

// Lower-cased names sorted, values trimmed with inner runs of spaces collapsed, repeated names
// joined with ','. Returns (canonical header block, signed header list).
std::pair<std::string, std::string> canonicalHeaders(const NameValues& headers);

std::string signingKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);

Signature signV4(const SigningRequest& request, const SigningScope& scope,
                 std::string_view accessKeyId, std::string_view secretAccessKey);

// Formats a UTC time as SigV4's x-amz-date (20150830T123600Z).
std::string amzDate(std::time_t t);

}  // namespace ibsr::s3
