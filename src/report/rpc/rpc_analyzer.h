// The application-layer evidence model (docs/report.md "Application layer"), computed online in
// one pass over time-ordered payload intervals: per (stream, source) evaluation windows -> RPC
// class flags -> episodes and simulated enforcement, exactly as the counter rules do it
// (report/analyzer.h), with windows of the same --window-sec, streams kept apart and the same
// allowlist. A source's totals, classes and blocks span all streams. Memory is O(sources x
// streams).
#pragma once

#include <array>
#include <cstdint>

#include <memory>
#include <string_view>
#include <vector>

#include "report/allowlist.h"
#include "report/config.h"
#include "report/rpc/rpc_model.h"

namespace ibsr::report {

// In priority order: a source flagged by several classes is reported under the first.
enum class RpcClass : uint8_t {
  None,
  Amplification,     // RPC_AMPLIFICATION
  Flood,             // RPC_FLOOD
  ExpensiveMethods,  // RPC_EXPENSIVE_METHODS
  BatchFanout,       // RPC_BATCH_FANOUT
  ErrorStorm,        // RPC_ERROR_STORM
};
std::string_view rpcClassName(RpcClass c);  // "" for None

// One evaluation window of one source: its counts over [start, end] and the derived figures the
// classes test. A zero-length window is never evaluated.
struct RpcWindowStats {
  int64_t start = 0;
  int64_t end = 0;
  RpcCounts counts;
  double duration() const { return double(end - start); }
  double requestRate() const { return double(counts.requests) / duration(); }
  double responseByteRate() const { return double(counts.responseBytes) / duration(); }
  // response bytes / request bytes; 0 without request bytes.
  double amplification() const;
  // JSON-RPC calls per HTTP request; 0 without requests.
  double callsPerRequest() const;
  // The larger of (4xx + 5xx responses) / responses and JSON-RPC errors / calls, at most 1;
  // 0 when both denominators are 0.
  double errorRatio() const;
  // expensive calls / calls (0 without calls) and expensive calls per second.
  double expensiveShare() const;
  double expensiveRate() const { return double(counts.expensiveCalls) / duration(); }
};

struct RpcEpisode {
  RpcKey key;
  uint32_t stream = 0;
  int64_t start = 0;
  int64_t end = 0;
  uint32_t windows = 0;
  // Which classes flagged at least one of its windows, indexed by RpcClass (index 0 unused).
  std::array<bool, 6> classes{};
  double peakAmplification = 0;
  double peakRequestRate = 0;
  double peakResponseByteRate = 0;
  double peakCallsPerRequest = 0;
  double peakErrorRatio = 0;
  double peakExpensiveRate = 0;
  RpcCounts counts;  // summed over its windows
};

// The methods of one source over the whole input, merged across intervals by name.
struct RpcMethodTotal {
  std::string method;
  uint64_t calls = 0;
  uint64_t requestBytes = 0;
  uint64_t responseBytes = 0;
  bool expensive = false;
  // response bytes / request bytes of its non-batch calls (a batch's bytes belong to no single
  // method); 0 without such bytes.
  double amplification() const {
    return requestBytes == 0 ? 0.0 : double(responseBytes) / double(requestBytes);
  }
};

struct RpcKeyResult {
  RpcKey key;
  bool allowlisted = false;
  RpcClass rpcClass = RpcClass::None;
  bool block = false;
  bool hasShown = false;
  RpcWindowStats shown;  // the peak window of its class (its metric), else the peak response-byte
                         // -rate window
  RpcCounts total;
  // Traffic inside simulated block periods (traffic assumed evenly spread over an interval).
  double simulatedRequests = 0;
  double simulatedRequestBytes = 0;
  double simulatedResponseBytes = 0;
  std::vector<RpcMethodTotal> methods;  // calls descending, then name; at most kMaxMethodsKept
  std::vector<RpcEpisode> episodes;     // per stream, each stream's in time order
  double wholeAmplification() const;    // over `total`, as RpcWindowStats::amplification
  double wholeErrorRatio() const;       // over `total`, as RpcWindowStats::errorRatio
};

struct RpcAnalysisResult {
  std::vector<RpcKeyResult> keys;  // in RpcKey order
  std::vector<uint16_t> dstPorts;  // seen (or the --dst-port filter)
  uint64_t intervals = 0;
  uint64_t windows = 0;
  int64_t firstTs = 0;      // of the first line
  int64_t lastTs = 0;       // of the last line
  int64_t startTs = 0;      // start of the first interval
  int64_t observedSec = 0;  // time covered by at least one payload stream
  bool empty() const { return intervals == 0; }
};

// Whole-input totals of one closed window (non-allowlisted sources), for the HTML time chart.
struct RpcWindowTotals {
  int64_t start = 0;
  int64_t end = 0;
  uint64_t requests = 0;
  uint64_t responseBytes = 0;
  double simulatedBlockedResponseBytes = 0;
  uint64_t upperBoundBlockedResponseBytes = 0;  // of the sources in the observer's blocked set
};

// Receives per-window detail in a second pass, for the sources it asks about.
class RpcWindowObserver {
 public:
  virtual ~RpcWindowObserver() = default;
  virtual bool traced(const RpcKey& key) const = 0;
  virtual bool blocked(const RpcKey& key) const = 0;
  virtual void onWindow(size_t index, const RpcWindowTotals& totals) = 0;
  virtual void onKeyWindow(size_t index, const RpcKey& key, const RpcWindowStats& stats) = 0;
};

class RpcAnalyzer {
 public:
  static constexpr size_t kMaxMethodsKept = 20;  // per source in RpcKeyResult::methods
  RpcAnalyzer(const AnalysisConfig& config, const Allowlist& allowlist, PayloadQuality& quality,
              RpcWindowObserver* observer = nullptr);
  ~RpcAnalyzer();
  // Lines in time order (ties by stream), as the payload input merger delivers them.
  void add(const PayloadInterval& interval);
  RpcAnalysisResult finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ibsr::report
