#include "export/http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ibsr::s3 {
namespace {

constexpr std::size_t kMaxBody = 1 << 20;

struct BodySource {
  const HttpRequest* req = nullptr;
  std::uint64_t sent = 0;
  int readErrno = 0;
};

std::uint64_t bodySize(const HttpRequest& r) {
  return r.bodyFd >= 0 ? r.bodyLength : r.bodyText.size();
}

size_t readBody(char* buf, size_t size, size_t nitems, void* user) {
  auto* src = static_cast<BodySource*>(user);
  const HttpRequest& r = *src->req;
  const std::uint64_t total = bodySize(r);
  const std::uint64_t want = std::min<std::uint64_t>(size * nitems, total - src->sent);
  if (want == 0) return 0;
  if (r.bodyFd < 0) {
    std::memcpy(buf, r.bodyText.data() + src->sent, want);
    src->sent += want;
    return want;
  }
  ssize_t n;
  do {
    n = ::pread(r.bodyFd, buf, want, static_cast<off_t>(r.bodyOffset + src->sent));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    // A file that shrank under us: abort rather than send a short body.
    src->readErrno = n < 0 ? errno : EIO;
    return CURL_READFUNC_ABORT;
  }
  src->sent += static_cast<std::uint64_t>(n);
  return static_cast<size_t>(n);
}

int seekBody(void* user, curl_off_t offset, int origin) {
  auto* src = static_cast<BodySource*>(user);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<std::uint64_t>(offset) > bodySize(*src->req)) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  src->sent = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

struct BodyTarget {
  CURL* curl = nullptr;
  std::string* text = nullptr;
  const std::function<bool(const char*, std::size_t)>* sink = nullptr;
  bool sinkAborted = false;
  long sinkStatus = 0;
};

size_t writeBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* target = static_cast<BodyTarget*>(user);
  const size_t n = size * nmemb;
  if (target->sink != nullptr) {
    // Error answers (4xx/5xx XML) still go to the text body, where send() reads the S3 code.
    long status = 0;
    curl_easy_getinfo(target->curl, CURLINFO_RESPONSE_CODE, &status);
    if (target->sinkStatus != 0 ? status == target->sinkStatus : status >= 200 && status < 300) {
      if ((*target->sink)(data, n)) return n;
      target->sinkAborted = true;
      return 0;
    }
  }
  std::string* out = target->text;
  if (out->size() < kMaxBody) out->append(data, std::min(n, kMaxBody - out->size()));
  return n;
}

size_t writeHeader(char* data, size_t size, size_t nitems, void* user) {
  auto* resp = static_cast<HttpResponse*>(user);
  const size_t n = size * nitems;
  std::string line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    resp->headers.clear();  // a 100 Continue or redirect precedes the final header block
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return n;
  std::string name = line.substr(0, colon);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string value = line.substr(colon + 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.pop_back();
  std::size_t b = value.find_first_not_of(" \t");
  resp->headers[name] = b == std::string::npos ? "" : value.substr(b);
  return n;
}

}  // namespace

void httpGlobalInit() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) throw std::runtime_error("curl_global_init failed");
}

struct HttpClient::Impl {
  CURL* curl = nullptr;
  HttpTimeouts timeouts;
};

HttpClient::HttpClient(HttpTimeouts timeouts) : impl_(std::make_unique<Impl>()) {
  httpGlobalInit();
  impl_->curl = curl_easy_init();
  if (impl_->curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  impl_->timeouts = timeouts;
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(impl_->curl);
}

Result<HttpResponse> HttpClient::perform(const HttpRequest& request) {
  CURL* c = impl_->curl;
  // reset keeps the connection cache, so consecutive requests reuse one connection.
  curl_easy_reset(c);
  HttpResponse resp;
  BodySource src{&request, 0, 0};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* hdrs = nullptr;
  for (const auto& [n, v] : request.headers) hdrs = curl_slist_append(hdrs, (n + ": " + v).c_str());
  // No "Expect: 100-continue" round trip; no default Accept or Content-Type either.
  hdrs = curl_slist_append(hdrs, "Expect:");
  hdrs = curl_slist_append(hdrs, "Accept:");

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(impl_->timeouts.connect.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(impl_->timeouts.stall.count()));
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, writeHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp);
  BodyTarget target{c, &resp.body, request.bodySink, false, request.sinkStatus};
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, writeBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &target);

  const auto size = static_cast<curl_off_t>(bodySize(request));
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size);
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, size);
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method == "PUT" || request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_READFUNCTION, readBody);
    curl_easy_setopt(c, CURLOPT_READDATA, &src);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seekBody);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &src);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    if (src.readErrno != 0) {
      return sysError("reading the request body failed", src.readErrno);
    }
    if (target.sinkAborted) return sysError("the response body's reader stopped", ECANCELED);
    return plainError(std::string(curl_easy_strerror(rc)) +
                      (errbuf[0] ? std::string(": ") + errbuf : ""));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

}  // namespace ibsr::s3
