// Per-interval RPC statistics per (client IPv4 or IPv6 address, server port), DESIGN.md §10:
// requests/responses count HTTP messages, *_bytes are whole HTTP messages, calls count JSON-RPC
// calls (each batch element is one), per-method bytes cover non-batch requests and their
// responses only. take() returns the interval's totals and starts the next interval.
//
// Memory: at most maxSources sources per interval (further sources are counted in
// droppedSources and otherwise ignored) and at most kMaxTrackedMethods distinct method names per
// source (further names count as "other"); top --max-methods are kept at take().
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip_address.h"

namespace ibsr::payload {

// Ordered as the payload lines list sources: IpAddress order (IPv4 first, then IPv6, each
// numerically), then port.
struct SourceKey {
  IpAddress ip;
  std::uint16_t port = 0;
  friend auto operator<=>(const SourceKey&, const SourceKey&) = default;
};

struct MethodStats {
  std::string method;
  std::uint64_t calls = 0;
  std::uint64_t requestBytes = 0;
  std::uint64_t responseBytes = 0;
};

struct SourceStats {
  SourceKey key;
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t requestBytes = 0;
  std::uint64_t responseBytes = 0;
  std::array<std::uint64_t, 5> statusClasses{};  // 1xx..5xx
  std::uint64_t jsonrpcCalls = 0;
  std::uint64_t jsonrpcBatches = 0;
  std::uint64_t jsonrpcErrors = 0;
  std::vector<MethodStats> methods;  // at take(): top methods + "other", in output order
};

// What a completed request contributes; kept by the connection until its response.
struct RequestSummary {
  std::uint64_t bytes = 0;
  bool batch = false;
  std::vector<std::string> methods;  // sanitised; one per call
};

class Aggregator {
 public:
  static constexpr std::size_t kMaxTrackedMethods = 1024;

  Aggregator(std::size_t maxMethods, std::size_t maxSources)
      : maxMethods_(maxMethods), maxSources_(maxSources) {}

  void onRequest(SourceKey src, const RequestSummary& req);
  // `req` is the paired request, or nullptr when none is known (pairing lost).
  void onResponse(SourceKey src, std::uint64_t bytes, std::uint16_t status,
                  const RequestSummary* req, std::uint32_t jsonrpcErrors);

  // Sources sorted by (ip, port); methods by calls descending, then name.
  std::vector<SourceStats> take();

  std::uint64_t droppedSources() const { return droppedSources_; }

 private:
  struct Accum {
    SourceStats stats;
    std::unordered_map<std::string, MethodStats> methods;
  };
  Accum* find(SourceKey src);
  MethodStats& method(Accum& a, const std::string& name);

  std::size_t maxMethods_;
  std::size_t maxSources_;
  std::map<SourceKey, Accum> sources_;
  std::uint64_t droppedSources_ = 0;
};

}  // namespace ibsr::payload
