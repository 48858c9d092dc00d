// The handful of S3 REST operations ibsr-export needs, signed with SigV4 and retried per
// RetryPolicy. Every call returns a Result whose error message names the operation, the object
// and the S3 error code and message ("PUT s3://b/k: HTTP 403 AccessDenied: Access Denied").
// Requests carry whole bodies (never aws-chunked) with x-amz-content-sha256 of the body, so any
// S3-compatible store that checks signatures can verify them; a body may instead be sent as
// UNSIGNED-PAYLOAD with a signed Content-MD5 (multipart parts: one hash per byte, not two).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/result.h"
#include "export/credentials.h"
#include "export/digest.h"
#include "export/http_client.h"
#include "export/retry.h"
#include "export/sigv4.h"

namespace ibsr::s3 {

struct Endpoint {
  std::string scheme;    // "https" or "http"
  std::string hostPort;  // "s3.us-east-1.amazonaws.com", "127.0.0.1:8080"
};

// Parses "http(s)://host[:port][/]". Empty input gives AWS's regional endpoint for `region`.
Result<Endpoint> parseEndpoint(const std::string& url, const std::string& region);

// Path-style addressing is needed for IP literals and localhost (no DNS for bucket.host), and for
// bucket names with dots over https (the wildcard certificate does not match them).
bool needsPathStyle(const Endpoint& endpoint, const std::string& bucket);

struct BucketConfig {
  Endpoint endpoint;
  std::string bucket;
  std::string region;
  bool pathStyle = false;
};

// Where a request goes: the URL to use and the encoded path that SigV4 signs.
struct Target {
  std::string url;          // without query
  std::string host;         // Host header value
  std::string encodedPath;  // "/bucket/key" (path style) or "/key"
};
Target objectTarget(const BucketConfig& config, const std::string& key);

struct ObjectInfo {
  std::uint64_t size = 0;
  std::string etag;                         // without quotes
  std::map<std::string, std::string> meta;  // x-amz-meta-* without the prefix
};

struct BodyRange {
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  Md5 md5{};
  Sha256 sha256{};
  // Sent as x-amz-content-sha256: UNSIGNED-PAYLOAD (`sha256` unused): the signed Content-MD5,
  // which the server checks before storing, then binds the body to the request instead.
  bool unsignedPayload = false;
};

struct CompletedPart {
  int number = 0;
  std::string etag;  // as returned by UploadPart, without quotes
};

enum class AbortOutcome {
  Aborted,      // the upload existed and was removed now
  AlreadyGone,  // the server answered 404: there was nothing left to remove
};

// One page of a ListObjects answer, keys in the server's (byte) order.
struct ListPage {
  std::vector<std::pair<std::string, ObjectInfo>> objects;
  std::vector<std::string> commonPrefixes;  // with a delimiter: the "folders" at this level
  bool truncated = false;
  std::string nextMarker;  // where the next page starts (exclusive); empty when not truncated
};

struct ListRequest {
  std::string prefix;
  std::string delimiter;  // "/" lists one level; empty lists every key under the prefix
  std::string marker;     // list keys strictly after this one (ListObjects v1 "marker")
  int maxKeys = 1000;
};

// Enough for 100 M keys: bounds a listing of a misbehaving server, not of a real bucket.
inline constexpr int kMaxListPages = 100000;

// Receives the bytes of a GET as they arrive; false stops the transfer.
using ByteSink = std::function<bool(const char*, std::size_t)>;

// Finds <tag>text</tag> in an S3 XML answer (first occurrence), with XML entities decoded.
std::string xmlText(const std::string& xml, const std::string& tag);

class S3Client {
 public:
  S3Client(BucketConfig config, Credentials credentials, RetryPolicy policy,
           HttpTimeouts timeouts = {});

  // HEAD of the object; nullopt when it does not exist (404).
  Result<std::optional<ObjectInfo>> headObject(const std::string& key);
  // Every object under `prefix` (ListObjects, 1000 keys per page, at most `maxPages` pages):
  // key -> size and ETag (no metadata). Replaces one HEAD per file when many files have no state.
  Result<std::map<std::string, ObjectInfo>> listObjects(const std::string& prefix, int maxPages);
  // One page of ListObjects: lets a caller start at a key (--from) and stop early (--to) instead
  // of listing a whole bucket.
  Result<ListPage> listPage(const ListRequest& request);
  // Pages through a listing from `request`, calling `onPage` for each page. `onPage` returns false
  // to stop, and may move `next` (the key the following page starts after) further on to skip
  // keys. At most `maxPages` pages; a next marker that does not advance is an error, not a loop.
  Status listPages(ListRequest request, int maxPages,
                   const std::function<bool(const ListPage&, std::string& next)>& onPage);
  // Streams `length` bytes of the object from `offset` into `sink` with ranged GETs. A connection
  // that drops mid-body is resumed from the first byte not yet delivered (progress does not use
  // up retries; the retry time budget still bounds the whole read), so `sink` sees every byte
  // exactly once, in order. With `etag`, the read fails (412) if the object was replaced meanwhile
  // rather than splicing two versions together.
  Status getObject(const std::string& key, std::uint64_t offset, std::uint64_t length,
                   const ByteSink& sink, const std::string& etag = {});
  // ListObjects with max-keys=1 under `prefix`: proves credentials, bucket and permissions
  // before any file is touched.
  Status probeBucket(const std::string& prefix);
  // Returns the ETag the server computed (unquoted).
  Result<std::string> putObject(const std::string& key, const BodyRange& body,
                                const std::map<std::string, std::string>& meta);
  Result<std::string> createMultipartUpload(const std::string& key,
                                            const std::map<std::string, std::string>& meta);
  Result<std::string> uploadPart(const std::string& key, const std::string& uploadId, int number,
                                 const BodyRange& body);
  Result<std::string> completeMultipartUpload(const std::string& key, const std::string& uploadId,
                                              const std::vector<CompletedPart>& parts);
  // Removes the upload's parts. A 404 (NoSuchUpload: aborted or completed before, or removed by a
  // lifecycle rule) is not a failure: either way no part of it is left in the bucket.
  Result<AbortOutcome> abortMultipartUpload(const std::string& key, const std::string& uploadId);

  const BucketConfig& config() const { return config_; }
  // Counters for the summary and the tests: requests sent and retries done.
  std::uint64_t requests() const { return requests_; }
  std::uint64_t retries() const { return retries_; }
  // Whether the most recent call ended in a transient failure (network, 5xx) after its retries,
  // as opposed to a success or a final answer such as 403: lets the caller stop hammering a dead
  // endpoint.
  bool lastFailureTransient() const { return lastFailureTransient_; }
  void setLastFailureTransient(bool v) { lastFailureTransient_ = v; }

 private:
  struct Call {
    std::string method;
    std::string key;  // empty: the bucket itself
    NameValues query;
    NameValues headers;  // extra headers to send and sign
    std::string bodyText;
    const BodyRange* body = nullptr;
    std::string payloadHash;  // hex SHA-256 of the body
    // A ranged GET streamed to `sink`: bytes [rangeStart + *delivered, rangeEnd] are asked for
    // on each attempt, so a retry resumes where the dropped connection stopped.
    const ByteSink* sink = nullptr;
    std::uint64_t rangeStart = 0;
    std::uint64_t rangeEnd = 0;  // inclusive
    const std::uint64_t* delivered = nullptr;
  };
  // Signs and sends, retrying transient failures. `okStatuses` lists non-2xx statuses the caller
  // handles itself (404 for HEAD and for an abort), whatever error body they carry.
  Result<HttpResponse> send(const Call& call, const std::vector<long>& okStatuses = {});
  HttpRequest build(const Call& call) const;
  std::string describe(const Call& call) const;

  BucketConfig config_;
  Credentials credentials_;
  RetryPolicy policy_;
  HttpClient http_;
  std::mt19937_64 rng_;
  std::uint64_t requests_ = 0;
  std::uint64_t retries_ = 0;
  bool lastFailureTransient_ = false;
};

}  // namespace ibsr::s3
