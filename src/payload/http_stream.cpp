#include "payload/http_stream.h"

#include <algorithm>
#include <cstring>

namespace ibsr::payload {
namespace {

constexpr std::size_t kFillerSize = 64 * 1024;
const char kFiller[kFillerSize] = {};

HttpStream* self(llhttp_t* p) {
  return static_cast<HttpStream*>(p->data);
}

}  // namespace

HttpStream::HttpStream(bool isRequest, HttpListener* listener, HttpStats* stats)
    : isRequest_(isRequest), listener_(listener), stats_(stats) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = cbMessageBegin;
  settings_.on_headers_complete = cbHeadersComplete;
  settings_.on_body = cbBody;
  settings_.on_chunk_header = cbChunkHeader;
  settings_.on_chunk_complete = cbChunkComplete;
  settings_.on_message_complete = cbMessageComplete;
  reset();
}

void HttpStream::reset() {
  llhttp_init(&parser_, isRequest_ ? HTTP_REQUEST : HTTP_RESPONSE, &settings_);
  parser_.data = this;
  // Observing, not serving: keep parsing after "Connection: close" (a pipelined peer may still
  // send), so that what the wire carried is counted.
  llhttp_set_lenient_keep_alive(&parser_, 1);
  inMessage_ = headersDone_ = inChunk_ = false;
  bodyComplete_ = true;
  body_.clear();
}

int HttpStream::cbMessageBegin(llhttp_t* p) {
  HttpStream* s = self(p);
  s->inMessage_ = true;
  s->headersDone_ = false;
  s->inChunk_ = false;
  s->bodyComplete_ = true;
  s->body_.clear();
  return 0;
}

int HttpStream::cbHeadersComplete(llhttp_t* p) {
  HttpStream* s = self(p);
  s->headersDone_ = true;
  // For a response to HEAD, 1 tells llhttp there is no body whatever the headers say.
  if (!s->isRequest_ && s->listener_->nextResponseHasNoBody()) return 1;
  return 0;
}

int HttpStream::cbBody(llhttp_t* p, const char* at, std::size_t len) {
  HttpStream* s = self(p);
  if (s->feedingFiller_ || s->body_.size() + len > kMaxBody) {
    s->bodyComplete_ = false;
    return 0;
  }
  s->body_.append(at, len);
  return 0;
}

int HttpStream::cbChunkHeader(llhttp_t* p) {
  self(p)->inChunk_ = p->content_length > 0;
  return 0;
}

int HttpStream::cbChunkComplete(llhttp_t* p) {
  self(p)->inChunk_ = false;
  return 0;
}

int HttpStream::cbMessageComplete(llhttp_t* p) {
  (void)p;
  // Pausing returns control to execute(), which knows the byte position of the message end.
  return HPE_PAUSED;
}

void HttpStream::execute(const char* data, std::size_t len, bool filler) {
  feedingFiller_ = filler;
  const char* pos = data;
  const char* end = data + len;
  while (pos < end && synced_) {
    llhttp_errno_t err = llhttp_execute(&parser_, pos, static_cast<std::size_t>(end - pos));
    if (err == HPE_OK) {
      offset_ += static_cast<std::uint64_t>(end - pos);
      break;
    }
    if (err == HPE_PAUSED) {
      const char* stop = llhttp_get_error_pos(&parser_);
      offset_ += static_cast<std::uint64_t>(stop - pos);
      pos = stop;
      HttpMessage m;
      m.bytes = offset_ - messageStart_;
      m.method = parser_.method;
      m.status = parser_.status_code;
      m.bodyComplete = bodyComplete_;
      m.body = &body_;
      messageStart_ = offset_;
      inMessage_ = headersDone_ = inChunk_ = false;
      ++stats_->messages;
      if (!bodyComplete_) ++stats_->incompleteBodies;
      listener_->onMessage(m, isRequest_);
      body_.clear();
      bodyComplete_ = true;
      llhttp_resume(&parser_);
      continue;
    }
    // A protocol upgrade (WebSocket, CONNECT) ends HTTP on this connection; anything else is
    // bytes llhttp rejects. Either way the rest of this direction is not HTTP we can frame.
    if (err != HPE_PAUSED_UPGRADE) ++stats_->parseErrors;
    offset_ += static_cast<std::uint64_t>(end - pos);
    desync();
    break;
  }
  feedingFiller_ = false;
}

void HttpStream::desync() {
  synced_ = false;
  reset();
}

bool HttpStream::looksLikeMessageStart(std::span<const std::uint8_t> b) const {
  if (!isRequest_) return b.size() >= 7 && std::memcmp(b.data(), "HTTP/1.", 7) == 0;
  // A method token (upper-case letters) followed by a space.
  std::size_t i = 0;
  while (i < b.size() && i < 16 && b[i] >= 'A' && b[i] <= 'Z') ++i;
  return i >= 3 && i < b.size() && b[i] == ' ';
}

void HttpStream::onData(std::span<const std::uint8_t> bytes) {
  if (closed_) return;
  if (!synced_) {
    if (!looksLikeMessageStart(bytes)) {
      offset_ += bytes.size();
      return;
    }
    synced_ = true;
    ++stats_->resyncs;
    messageStart_ = offset_;
    listener_->onResync(isRequest_);
  }
  execute(reinterpret_cast<const char*>(bytes.data()), bytes.size(), false);
}

void HttpStream::onHole(std::uint64_t length, HoleKind kind) {
  (void)kind;
  if (closed_) return;
  while (length > 0 && synced_) {
    bool bridgeable =
        inMessage_ && headersDone_ &&
        (llhttp_message_needs_eof(&parser_) || ((parser_.flags & F_CHUNKED) ? inChunk_ : true)) &&
        (llhttp_message_needs_eof(&parser_) || parser_.content_length > 0);
    if (!bridgeable) break;
    std::uint64_t room = llhttp_message_needs_eof(&parser_) ? length : parser_.content_length;
    std::uint64_t n = std::min<std::uint64_t>({length, room, kFillerSize});
    stats_->bridgedHoleBytes += n;
    execute(kFiller, static_cast<std::size_t>(n), true);
    length -= n;
  }
  if (length == 0) return;
  if (synced_) ++stats_->desyncs;
  offset_ += length;
  desync();
}

void HttpStream::onClose(bool reset) {
  if (closed_) return;
  closed_ = true;
  // A response delimited by the connection's end completes here (not after a reset).
  if (!reset && synced_ && inMessage_ && llhttp_message_needs_eof(&parser_)) {
    if (llhttp_finish(&parser_) == HPE_PAUSED) {
      HttpMessage m;
      m.bytes = offset_ - messageStart_;
      m.status = parser_.status_code;
      m.bodyComplete = bodyComplete_;
      m.body = &body_;
      messageStart_ = offset_;
      ++stats_->messages;
      if (!bodyComplete_) ++stats_->incompleteBodies;
      listener_->onMessage(m, isRequest_);
    }
  }
}

}  // namespace ibsr::payload
