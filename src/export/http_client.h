// One HTTP/1.1 connection's worth of libcurl: performs a request whose body is a string or a
// byte range of a file (read with pread, so a retry re-reads the same bytes), and returns the
// status, lower-cased response headers and the body. Transport failures (no HTTP answer) come
// back as errors; any HTTP status, 4xx and 5xx included, is a response.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace ibsr::s3 {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  // Body: either bodyText, or bodyLength bytes of bodyFd from bodyOffset.
  std::string bodyText;
  int bodyFd = -1;
  std::uint64_t bodyOffset = 0;
  std::uint64_t bodyLength = 0;
  // When set, the body of a 2xx answer goes here as it arrives instead of into
  // HttpResponse::body (a large GET must not be held in memory). Returning false aborts the
  // transfer; perform() then fails with errnum ECANCELED.
  const std::function<bool(const char*, std::size_t)>* bodySink = nullptr;
  // Nonzero: only an answer with this status feeds bodySink (206 for a resumed range: a server
  // that ignores Range answers 200 with the object from byte 0, which must not be appended).
  long sinkStatus = 0;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;                            // capped; S3 answers here are small XML
  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{10000};
  // A transfer slower than 1 KiB/s for this long is abandoned (large bodies have no total cap).
  std::chrono::seconds stall{60};
};

class HttpClient {
 public:
  explicit HttpClient(HttpTimeouts timeouts = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> perform(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Call once before threads exist (curl_global_init is not thread-safe).
void httpGlobalInit();

}  // namespace ibsr::s3
