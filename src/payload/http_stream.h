// HTTP/1.1 message framing of one direction of a connection, on llhttp. Fed by the reassembler
// (it is a StreamSink): bytes, holes of known length, close.
//
// Each complete message is reported with its size on the wire: every stream byte from the end
// of the previous message to the end of this one (start line, headers, body, chunk framing),
// holes included. The body is kept (up to kMaxBody bytes) only when every byte of it was seen,
// because only then can it be parsed as JSON.
//
// Holes: inside a body whose remaining length llhttp knows (Content-Length, the current chunk,
// or read-until-close), the hole is fed to llhttp as filler bytes, so framing stays exact and
// only the body is marked incomplete. A hole anywhere else (headers, chunk framing) loses the
// framing: the stream is desynchronised and resumes at the next delivered segment that starts
// like a message (a method token and a space for requests, "HTTP/1." for responses).
#pragma once

#include <llhttp.h>

#include <cstdint>
#include <string>

#include "payload/reassembly.h"

namespace ibsr::payload {

struct HttpMessage {
  std::uint64_t bytes = 0;
  std::uint8_t method = 0;   // llhttp_method_t, requests only
  std::uint16_t status = 0;  // responses only
  bool bodyComplete = true;  // false: part of the body was not seen (or over kMaxBody)
  const std::string* body = nullptr;
};

class HttpListener {
 public:
  virtual ~HttpListener() = default;
  virtual void onMessage(const HttpMessage& message, bool isRequest) = 0;
  // Responses only: true when the response now starting answers a HEAD request (no body).
  virtual bool nextResponseHasNoBody() { return false; }
  // The stream lost its framing and resynchronised: pending pairings are unreliable.
  virtual void onResync(bool isRequest) { (void)isRequest; }
};

struct HttpStats {
  std::uint64_t messages = 0;
  std::uint64_t parseErrors = 0;  // llhttp rejected the bytes (stream desynchronised)
  std::uint64_t desyncs = 0;      // framing lost at a hole
  std::uint64_t resyncs = 0;
  std::uint64_t bridgedHoleBytes = 0;
  std::uint64_t incompleteBodies = 0;
};

class HttpStream : public StreamSink {
 public:
  static constexpr std::size_t kMaxBody = 64 * 1024;

  HttpStream(bool isRequest, HttpListener* listener, HttpStats* stats);
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  void onData(std::span<const std::uint8_t> bytes) override;
  void onHole(std::uint64_t length, HoleKind kind) override;
  void onClose(bool reset) override;

  bool synced() const { return synced_; }

 private:
  static int cbMessageBegin(llhttp_t* p);
  static int cbHeadersComplete(llhttp_t* p);
  static int cbBody(llhttp_t* p, const char* at, std::size_t len);
  static int cbChunkHeader(llhttp_t* p);
  static int cbChunkComplete(llhttp_t* p);
  static int cbMessageComplete(llhttp_t* p);

  void execute(const char* data, std::size_t len, bool filler);
  void desync();
  bool looksLikeMessageStart(std::span<const std::uint8_t> bytes) const;
  void reset();

  bool isRequest_;
  HttpListener* listener_;
  HttpStats* stats_;
  llhttp_settings_t settings_{};
  llhttp_t parser_{};
  bool synced_ = true;
  bool closed_ = false;
  bool inMessage_ = false;
  bool headersDone_ = false;
  bool inChunk_ = false;
  bool feedingFiller_ = false;
  bool bodyComplete_ = true;
  std::uint64_t offset_ = 0;        // stream bytes fed (data and holes)
  std::uint64_t messageStart_ = 0;  // offset where the current message's bytes start
  std::string body_;
};

}  // namespace ibsr::payload
