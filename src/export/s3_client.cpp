#include "export/s3_client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "core/log.h"

namespace ibsr::s3 {
namespace {

std::string stripQuotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool isIpLiteral(const std::string& host) {
  if (!host.empty() && host.front() == '[') return true;  // IPv6
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

std::string hostOnly(const std::string& hostPort) {
  if (!hostPort.empty() && hostPort.front() == '[')
    return hostPort.substr(0, hostPort.find(']') + 1);
  return hostPort.substr(0, hostPort.find(':'));
}

std::string decodeEntities(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {{"&quot;", "\""}, {"&apos;", "'"},
                                                                  {"&lt;", "<"},    {"&gt;", ">"},
                                                                  {"&#34;", "\""},  {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    std::string::size_type pos = 0;
    const std::string f = from;
    while ((pos = s.find(f, pos)) != std::string::npos) {
      s.replace(pos, f.size(), to);
      pos += std::char_traits<char>::length(to);
    }
  }
  return s;
}

std::string urlQuery(const NameValues& query) {
  std::string out;
  for (const auto& [n, v] : query) {
    out += out.empty() ? '?' : '&';
    out += uriEncode(n, true);
    if (!v.empty()) out += "=" + uriEncode(v, true);
  }
  return out;
}

std::string payloadHash(const BodyRange& body) {
  return body.unsignedPayload ? std::string(kUnsignedPayload) : toHex(body.sha256);
}

}  // namespace

std::string xmlText(const std::string& xml, const std::string& tag) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  auto b = xml.find(open);
  if (b == std::string::npos) return "";
  b += open.size();
  auto e = xml.find(close, b);
  if (e == std::string::npos) return "";
  return decodeEntities(xml.substr(b, e - b));
}

Result<Endpoint> parseEndpoint(const std::string& url, const std::string& region) {
  if (url.empty()) return Endpoint{"https", "s3." + region + ".amazonaws.com"};
  auto sep = url.find("://");
  if (sep == std::string::npos)
    return plainError("endpoint '" + url + "' needs a scheme (http:// or https://)");
  Endpoint e{url.substr(0, sep), url.substr(sep + 3)};
  if (e.scheme != "http" && e.scheme != "https") {
    return plainError("endpoint '" + url + "': scheme must be http or https");
  }
  while (!e.hostPort.empty() && e.hostPort.back() == '/') e.hostPort.pop_back();
  if (e.hostPort.empty() || e.hostPort.find_first_of("/?#@") != std::string::npos) {
    return plainError("endpoint '" + url + "' must be scheme://host[:port] without a path");
  }
  return e;
}

bool needsPathStyle(const Endpoint& endpoint, const std::string& bucket) {
  const std::string host = hostOnly(endpoint.hostPort);
  if (isIpLiteral(host) || host == "localhost") return true;
  return endpoint.scheme == "https" && bucket.find('.') != std::string::npos;
}

Target objectTarget(const BucketConfig& config, const std::string& key) {
  Target t;
  const std::string encodedKey = uriEncode(key, false);
  if (config.pathStyle) {
    t.host = config.endpoint.hostPort;
    t.encodedPath = "/" + uriEncode(config.bucket, true) + (key.empty() ? "" : "/" + encodedKey);
  } else {
    t.host = config.bucket + "." + config.endpoint.hostPort;
    t.encodedPath = "/" + encodedKey;
  }
  t.url = config.endpoint.scheme + "://" + t.host + t.encodedPath;
  return t;
}

S3Client::S3Client(BucketConfig config, Credentials credentials, RetryPolicy policy,
                   HttpTimeouts timeouts)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      policy_(policy),
      http_(timeouts),
      rng_(std::random_device{}()) {}

std::string S3Client::describe(const Call& call) const {
  return call.method + " s3://" + config_.bucket + "/" + call.key;
}

HttpRequest S3Client::build(const Call& call) const {
  const Target t = objectTarget(config_, call.key);
  HttpRequest req;
  req.method = call.method;
  req.url = t.url + urlQuery(call.query);
  SigningRequest sr;
  sr.method = call.method;
  sr.encodedPath = t.encodedPath;
  sr.query = call.query;
  sr.payloadHash = call.payloadHash;
  sr.headers = call.headers;
  sr.headers.emplace_back("host", t.host);
  const std::string date = amzDate(std::time(nullptr));
  sr.headers.emplace_back("x-amz-date", date);
  sr.headers.emplace_back("x-amz-content-sha256", call.payloadHash);
  if (!credentials_.sessionToken.empty()) {
    sr.headers.emplace_back("x-amz-security-token", credentials_.sessionToken);
  }
  const Signature sig = signV4(sr, SigningScope{date, config_.region, "s3"},
                               credentials_.accessKeyId, credentials_.secretAccessKey);
  req.headers = sr.headers;
  req.headers.emplace_back("Authorization", sig.authorization);
  if (call.body != nullptr) {
    req.bodyFd = call.body->fd;
    req.bodyOffset = call.body->offset;
    req.bodyLength = call.body->length;
  } else {
    req.bodyText = call.bodyText;
  }
  return req;
}

Result<HttpResponse> S3Client::send(const Call& call, const std::vector<long>& okStatuses) {
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t deliveredBefore = 0;
  for (int attempt = 0;; ++attempt) {
    // Signed per attempt: the date in the signature must stay within the server's clock skew.
    HttpRequest req;
    if (call.sink != nullptr) {
      Call ranged = call;
      deliveredBefore = *call.delivered;
      ranged.headers.emplace_back(
          "range", fmt::format("bytes={}-{}", call.rangeStart + deliveredBefore, call.rangeEnd));
      req = build(ranged);
      req.bodySink = call.sink;
      // Past byte 0 only a 206 carries the asked-for bytes: a 200 (Range ignored) starts at 0.
      if (call.rangeStart + deliveredBefore > 0) req.sinkStatus = 206;
    } else {
      req = build(call);
    }
    ++requests_;
    const auto sent = std::chrono::steady_clock::now();
    auto r = http_.perform(req);
    log::debug(
        "{}{} -> {} in {:.1f} ms", describe(call), urlQuery(call.query),
        r.ok() ? std::to_string(r->status) : "no answer",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count());
    std::string what;
    bool retryable = false;
    if (!r.ok()) {
      what = "connection failed: " + r.error().message;
      retryable = r.error().errnum == 0;  // errnum set: local read error, not the network
      // A body that broke off after some bytes landed is resumed at once, not counted as a
      // failure; only the time budget bounds a server that keeps cutting.
      // Every byte asked for arrived before the connection failed: nothing is left to fetch.
      if (call.sink != nullptr && call.rangeStart + *call.delivered > call.rangeEnd) {
        HttpResponse done;
        done.status = 206;
        return done;
      }
      if (retryable && call.sink != nullptr && *call.delivered > deliveredBefore) {
        if (std::chrono::steady_clock::now() - start > policy_.totalBudget)
          return plainError(describe(call) + ": " + what +
                            " (gave up resuming: retry time budget spent)");
        log::warn("{}: {} after {} byte(s); resuming at byte {}", describe(call), what,
                  *call.delivered - deliveredBefore, call.rangeStart + *call.delivered);
        ++retries_;
        attempt = -1;
        continue;
      }
    } else {
      const HttpResponse& resp = r.value();
      // CompleteMultipartUpload can fail after its 200 header; the error is in the body. A status
      // the caller asked for is its answer even with an error body (an abort's 404 carries
      // <Error><Code>NoSuchUpload</Code>).
      const bool success =
          resp.status >= 200 && resp.status < 300 && resp.body.find("<Error>") == std::string::npos;
      if (success ||
          std::find(okStatuses.begin(), okStatuses.end(), resp.status) != okStatuses.end()) {
        lastFailureTransient_ = false;
        return r;
      }
      const std::string code = xmlText(resp.body, "Code");
      const std::string message = xmlText(resp.body, "Message");
      what = fmt::format("HTTP {}", resp.status);
      if (!code.empty()) what += " " + code;
      if (!message.empty()) what += ": " + message;
      if (code.empty() && resp.body.empty() && call.method == "HEAD") {
        what += " (HEAD responses carry no S3 error code)";
      }
      retryable = isRetryable(false, resp.status, code);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    lastFailureTransient_ = retryable;
    if (!retryable || attempt >= policy_.maxRetries) {
      std::string suffix =
          retryable ? fmt::format(" (gave up after {} attempts)", attempt + 1) : "";
      return plainError(describe(call) + ": " + what + suffix);
    }
    const auto delay = jitteredBackoff(policy_, attempt + 1, rng_);
    if (elapsed + delay > policy_.totalBudget) {
      return plainError(
          describe(call) + ": " + what +
          fmt::format(" (gave up after {} attempts: retry time budget spent)", attempt + 1));
    }
    log::warn("{}: {}; retry {}/{} in {} ms", describe(call), what, attempt + 1, policy_.maxRetries,
              delay.count());
    ++retries_;
    std::this_thread::sleep_for(delay);
  }
}

Result<std::optional<ObjectInfo>> S3Client::headObject(const std::string& key) {
  Call c{"HEAD", key, {}, {}, "", nullptr, std::string(kEmptySha256Hex)};
  auto r = send(c, {404});
  if (!r.ok()) return r.error();
  if (r->status == 404) return std::optional<ObjectInfo>();
  ObjectInfo info;
  try {
    info.size = std::stoull(r->header("content-length"));
  } catch (...) {
    return plainError(describe(c) + ": response has no valid Content-Length");
  }
  info.etag = stripQuotes(r->header("etag"));
  for (const auto& [name, value] : r->headers) {
    if (name.rfind("x-amz-meta-", 0) == 0) info.meta[name.substr(11)] = value;
  }
  return std::optional<ObjectInfo>(std::move(info));
}

Result<std::map<std::string, ObjectInfo>> S3Client::listObjects(const std::string& prefix,
                                                                int maxPages) {
  std::map<std::string, ObjectInfo> out;
  Status st = listPages({prefix, "", "", 1000}, maxPages, [&](const ListPage& page, std::string&) {
    for (const auto& [key, info] : page.objects) out[key] = info;
    return true;
  });
  if (!st.ok()) return st.error();
  return out;
}

Status S3Client::listPages(ListRequest request, int maxPages,
                           const std::function<bool(const ListPage&, std::string& next)>& onPage) {
  for (int page = 0; page < maxPages; ++page) {
    auto r = listPage(request);
    if (!r.ok()) return r.error();
    std::string next = r->nextMarker;
    if (!onPage(*r, next) || !r->truncated) return {};
    if (next <= request.marker)
      return plainError(fmt::format("listing s3://{}/{}: the next marker '{}' does not advance",
                                    config_.bucket, request.prefix, next));
    request.marker = next;
  }
  return plainError(fmt::format("listing s3://{}/{} has more than {} pages", config_.bucket,
                                request.prefix, maxPages));
}

Result<ListPage> S3Client::listPage(const ListRequest& request) {
  Call c{"GET", "", {{"prefix", request.prefix}}, {}, "", nullptr, std::string(kEmptySha256Hex)};
  if (!request.delimiter.empty()) c.query.emplace_back("delimiter", request.delimiter);
  if (!request.marker.empty()) c.query.emplace_back("marker", request.marker);
  c.query.emplace_back("max-keys", std::to_string(request.maxKeys));
  auto r = send(c);
  if (!r.ok()) return r.error();
  const std::string& xml = r->body;
  ListPage page;
  std::string lastKey;
  for (std::size_t pos = 0; (pos = xml.find("<Contents>", pos)) != std::string::npos;) {
    const std::size_t end = xml.find("</Contents>", pos);
    if (end == std::string::npos) break;
    const std::string item = xml.substr(pos, end - pos);
    pos = end;
    ObjectInfo info;
    try {
      info.size = std::stoull(xmlText(item, "Size"));
    } catch (...) {
      return plainError(describe(c) + ": listing has an object without a valid Size");
    }
    info.etag = stripQuotes(xmlText(item, "ETag"));
    lastKey = xmlText(item, "Key");
    page.objects.emplace_back(lastKey, std::move(info));
  }
  for (std::size_t pos = 0; (pos = xml.find("<CommonPrefixes>", pos)) != std::string::npos;) {
    const std::size_t end = xml.find("</CommonPrefixes>", pos);
    if (end == std::string::npos) break;
    page.commonPrefixes.push_back(xmlText(xml.substr(pos, end - pos), "Prefix"));
    pos = end;
  }
  page.truncated = xmlText(xml, "IsTruncated") == "true";
  if (page.truncated) {
    // ListObjects (v1) gives NextMarker only with a delimiter; the last key serves otherwise.
    page.nextMarker = xmlText(xml, "NextMarker");
    if (page.nextMarker.empty()) {
      page.nextMarker = std::max(
          lastKey, page.commonPrefixes.empty() ? std::string() : page.commonPrefixes.back());
    }
    if (page.nextMarker.empty())
      return plainError(describe(c) + ": truncated listing without a marker");
  }
  return page;
}

Status S3Client::getObject(const std::string& key, std::uint64_t offset, std::uint64_t length,
                           const ByteSink& sink, const std::string& etag) {
  if (length == 0) return {};
  std::uint64_t delivered = 0;
  // Caps what reaches the caller at the asked-for range, whatever the server sends.
  const ByteSink counted = [&](const char* data, std::size_t n) {
    const std::uint64_t take = std::min<std::uint64_t>(n, length - delivered);
    if (take > 0 && !sink(data, static_cast<std::size_t>(take))) return false;
    delivered += take;
    return true;
  };
  Call c{"GET", key, {}, {}, "", nullptr, std::string(kEmptySha256Hex)};
  if (!etag.empty()) c.headers.emplace_back("if-match", "\"" + etag + "\"");
  c.sink = &counted;
  c.rangeStart = offset;
  c.rangeEnd = offset + length - 1;
  c.delivered = &delivered;
  auto r = send(c);
  if (!r.ok()) return r.error();
  if (r->status != 206 && delivered > 0 && delivered < length)
    return plainError(fmt::format("{}: HTTP {} to a ranged GET resumed at byte {} (expected 206)",
                                  describe(c), r->status, offset + delivered));
  if (r->status != 206 && !(r->status == 200 && offset == 0))
    return plainError(
        fmt::format("{}: HTTP {} to a ranged GET (expected 206)", describe(c), r->status));
  if (delivered != length)
    return plainError(fmt::format("{}: got {} of {} bytes from offset {}", describe(c), delivered,
                                  length, offset));
  return {};
}

Status S3Client::probeBucket(const std::string& prefix) {
  Call c{"GET",
         "",
         {{"max-keys", "1"}, {"prefix", prefix}},
         {},
         "",
         nullptr,
         std::string(kEmptySha256Hex)};
  auto r = send(c);
  if (!r.ok()) return r.error();
  return {};
}

Result<std::string> S3Client::putObject(const std::string& key, const BodyRange& body,
                                        const std::map<std::string, std::string>& meta) {
  Call c{"PUT", key, {}, {}, "", &body, payloadHash(body)};
  c.headers.emplace_back("content-md5", toBase64(body.md5));
  c.headers.emplace_back("content-type", "application/octet-stream");
  for (const auto& [n, v] : meta) c.headers.emplace_back("x-amz-meta-" + n, v);
  auto r = send(c);
  if (!r.ok()) return r.error();
  return stripQuotes(r->header("etag"));
}

Result<std::string> S3Client::createMultipartUpload(
    const std::string& key, const std::map<std::string, std::string>& meta) {
  Call c{"POST", key, {{"uploads", ""}}, {}, "", nullptr, std::string(kEmptySha256Hex)};
  c.headers.emplace_back("content-type", "application/octet-stream");
  for (const auto& [n, v] : meta) c.headers.emplace_back("x-amz-meta-" + n, v);
  auto r = send(c);
  if (!r.ok()) return r.error();
  std::string id = xmlText(r->body, "UploadId");
  if (id.empty()) return plainError(describe(c) + ": answer has no UploadId");
  return id;
}

Result<std::string> S3Client::uploadPart(const std::string& key, const std::string& uploadId,
                                         int number, const BodyRange& body) {
  Call c{"PUT",
         key,
         {{"partNumber", std::to_string(number)}, {"uploadId", uploadId}},
         {},
         "",
         &body,
         payloadHash(body)};
  c.headers.emplace_back("content-md5", toBase64(body.md5));
  auto r = send(c);
  if (!r.ok()) return r.error();
  std::string etag = stripQuotes(r->header("etag"));
  if (etag != toHex(body.md5)) {
    return plainError(fmt::format("{} part {}: server ETag {} differs from the part's MD5 {}",
                                  describe(c), number, etag, toHex(body.md5)));
  }
  return etag;
}

Result<std::string> S3Client::completeMultipartUpload(const std::string& key,
                                                      const std::string& uploadId,
                                                      const std::vector<CompletedPart>& parts) {
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& p : parts) {
    xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", p.number,
                       p.etag);
  }
  xml += "</CompleteMultipartUpload>";
  Call c{"POST", key, {{"uploadId", uploadId}}, {}, xml, nullptr, sha256Hex(xml)};
  c.headers.emplace_back("content-type", "application/xml");
  auto r = send(c);
  if (!r.ok()) return r.error();
  return stripQuotes(xmlText(r->body, "ETag"));
}

Result<AbortOutcome> S3Client::abortMultipartUpload(const std::string& key,
                                                    const std::string& uploadId) {
  Call c{"DELETE", key, {{"uploadId", uploadId}}, {}, "", nullptr, std::string(kEmptySha256Hex)};
  auto r = send(c, {404});
  if (!r.ok()) return r.error();
  return r->status == 404 ? AbortOutcome::AlreadyGone : AbortOutcome::Aborted;
}

}  // namespace ibsr::s3
