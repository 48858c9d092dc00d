#include "payload/collector.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>

#include "bpf/libbpf_logging.h"
#include "bpf/ring_buffer.h"
#include "collect/counter_metrics.h"
#include "collect/counter_snapshots.h"
#include "core/artefacts.h"
#include "core/clock.h"
#include "core/file_lock.h"
#include "core/interface_lock.h"
#include "core/interval_schedule.h"
#include "core/log.h"
#include "core/metrics_file.h"
#include "core/output_dir.h"
#include "core/privileges.h"
#include "core/service_notify.h"
#include "core/signals.h"
#include "payload/output.h"
#include "payload/payload_metrics.h"
#include "payload/payload_program.h"
#include "payload/pipeline.h"

namespace ibsr::payload {
namespace {

using Clock = std::chrono::steady_clock;

int fail(const Error& e) {
  log::error("{}", e.message);
  return 1;
}

int onRecord(void* ctx, void* data, size_t size) {
  static_cast<Pipeline*>(ctx)->onRecord(data, size);
  return 0;
}

std::uint64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

PipelineLimits limitsOf(const PayloadOptions& o) {
  PipelineLimits limits;
  limits.maxFlows = o.maxFlows;
  limits.flowIdleNs = o.flowIdleSec * 1000000000ull;
  limits.maxMethods = o.maxMethods;
  limits.maxSources = o.common.mapSize;
  return limits;
}

// The payload files and the counters/ snapshots share the disk budget equally.
RotationPolicy retentionOf(const collect::CollectOptions& c) {
  RotationPolicy policy = collect::retentionPolicy(c);
  policy.maxDiskBytes /= 2;
  return policy;
}

// Each interval: the payload statistics line, then (when this instance owns the XDP counters)
// the counter snapshot of the same instant into OUT_DIR/counters.
class IntervalWriter {
 public:
  IntervalWriter(const PayloadOptions& o, PayloadProgram& prog, Pipeline& pipeline)
      : o_(o),
        prog_(prog),
        pipeline_(pipeline),
        wall_(o.common.testClockOffsetSec),
        writer_(o.common.outDir, retentionOf(o.common)),
        metrics_(o.common.metricsFile, labels()),
        lastTs_(wall_.nowUnix()) {
    if (prog.xdpAttached())  // decided at attach; the final snapshot runs after detach
      counters_.emplace(prog.counter(), counterDir(o), o.common, retentionOf(o.common));
  }

  static std::string counterDir(const PayloadOptions& o) {
    return o.common.outDir + "/" + std::string(artefact::kCounterSubdir);
  }

  void writeOnce(service::Liveness& live) {
    std::uint64_t ts = wall_.nowUnix();
    pipeline_.expireIdle(monotonicNs());
    if (auto t = prog_.cpuTotals(); t.ok())
      kernelDrops_ = t->ringbufDrops;
    else
      log::warn("{}", t.error().message);
    const PipelineStats& ps = pipeline_.stats();
    PayloadSnapshot snap;
    snap.tsUnixSec = ts;
    snap.intervalSec = ts >= lastTs_ ? ts - lastTs_ : 0;
    snap.dstPorts = o_.common.dstPorts;
    snap.ringbufDrops = kernelDrops_ - lastDrops_;
    snap.parseErrors = ps.parseErrors() - lastParseErrors_;
    snap.sources = pipeline_.takeInterval();
    writer_.write(snap, statusCounters());
    lastTs_ = ts;
    lastDrops_ = kernelDrops_;
    lastParseErrors_ = ps.parseErrors();
    log::info("interval: {} sources, {} events, {} ring-buffer drops, {} flows",
              snap.sources.size(), ps.events, kernelDrops_, pipeline_.flowsTracked());
    if (counters_) counters_->take(ts);
    metrics_.write(exposition());
    live.cycle(fmt::format("interval {}: {} sources, {} flows, {} ring-buffer drops",
                           writer_.cycle(), snap.sources.size(), pipeline_.flowsTracked(),
                           kernelDrops_));
  }

  const OutputWriter& writer() const { return writer_; }

 private:
  metrics::Labels labels() const { return metrics::modeLabels("collect-payload", o_.common.iface); }

  metrics::Exposition exposition() const {
    metrics::Exposition e;
    addPayloadMetrics(e, writer_.stats(), statusCounters(), labels());
    if (counters_)
      collect::addCounterMetrics(e, counters_->stats(), counters_->writerStats(), o_.common,
                                 labels());
    return e;
  }

  StatusCounters statusCounters() const {
    const PipelineStats& ps = pipeline_.stats();
    StatusCounters sc;
    sc.eventsReceived = ps.events;
    sc.ringbufDrops = kernelDrops_;
    sc.flowsTracked = pipeline_.flowsTracked();
    sc.flowsEvicted = ps.flowsEvicted;
    sc.flowsIdleClosed = ps.flowsIdleClosed;
    sc.parseErrors = ps.parseErrors();
    sc.gaps = ps.reassembly.gaps;
    sc.incompleteBodies = ps.http.incompleteBodies;
    sc.unpairedResponses = ps.unpairedResponses;
    sc.droppedSources = pipeline_.droppedSources();
    return sc;
  }

  const PayloadOptions& o_;
  PayloadProgram& prog_;
  Pipeline& pipeline_;
  WallClock wall_;
  OutputWriter writer_;
  metrics::MetricsFile metrics_;
  std::optional<collect::CounterSnapshots> counters_;
  std::uint64_t lastTs_;
  std::uint64_t lastDrops_ = 0;
  std::uint64_t lastParseErrors_ = 0;
  std::uint64_t kernelDrops_ = 0;
};

// Consumes ring-buffer records until SIGINT/SIGTERM or the end of --duration-sec, writing one
// interval on schedule.
void runIntervals(const PayloadOptions& o, ShutdownSignals& signals, bpf::RingBuffer& rb,
                  IntervalWriter& intervals, service::Liveness& live) {
  IntervalSchedule schedule(o.common.intervalSec, o.common.durationSec);
  std::uint64_t pollErrors = 0;
  for (;;) {
    if (signals.waitFor(std::chrono::milliseconds(0))) break;
    auto now = Clock::now();
    if (schedule.finished(now)) break;
    if (schedule.due(now)) {
      intervals.writeOnce(live);
      schedule.advance(now);
      continue;
    }
    // Short polls keep signal latency low; consumption itself is event-driven.
    auto wait = std::min(schedule.untilWake(now) + std::chrono::milliseconds(1),
                         std::chrono::milliseconds(100));
    int timeout = static_cast<int>(live.pace(wait).count());
    int n = rb.poll(timeout);
    if (n < 0 && n != -EINTR && ++pollErrors <= 5)
      log::warn("ring buffer poll failed: {}", std::strerror(-n));
  }
}

}  // namespace

int runPayloadCollector(PayloadOptions o) {
  const collect::CollectOptions& c = o.common;
  log::setVerbosity(c.verbosity);
  bpf::installLibbpfLogging();

  if (Status st = requireCapabilities("ibsr collect-payload",
                                      {Capability::Bpf, Capability::Perfmon, Capability::NetAdmin});
      !st.ok())
    return fail(st.error());
  auto ifindex = bpf::interfaceIndex(c.iface);
  if (!ifindex.ok()) return fail(ifindex.error());
  if (Status st = prepareOutputDir(c.outDir); !st.ok()) return fail(st.error());
  auto outLock = lockOutputDir(c.outDir, "collect-payload");  // covers OUT_DIR/counters too
  if (!outLock.ok()) return fail(outLock.error());
  if (Status st = prepareOutputDir(IntervalWriter::counterDir(o)); !st.ok())
    return fail(st.error());

  // Blocked before loading: a SIGTERM during load becomes a normal shutdown.
  ShutdownSignals signals;

  auto program = PayloadProgram::load(o);
  if (!program.ok()) return fail(program.error());
  PayloadProgram& prog = *program.value();

  Pipeline pipeline(limitsOf(o));
  auto rb = bpf::RingBuffer::open(prog.ringbufFd(), onRecord, &pipeline);
  if (!rb.ok()) return fail(rb.error());

  // One collect-payload per interface. Holding the lock proves that a TC filter at our handle
  // is a leftover of a killed instance (TC filters outlive SIGKILL), so it is replaced instead
  // of blocking a restart.
  auto lock = InterfaceLock::acquire("collect-payload", *ifindex, c.iface);
  if (!lock.ok()) return fail(lock.error());
  if (Status st = prog.attach(*ifindex, c.iface, c.xdpMode, /*replaceStale=*/true); !st.ok())
    return fail(st.error());
  log::notice(
      "attached {} and TC ingress/egress to {} (ifindex {}); ports {}; "
      "snaplen {}; ring buffer {} bytes; writing to {} every {} s",
      prog.xdpAttached() ? fmt::format("XDP ({} mode)", bpf::xdpModeName(prog.xdpMode()))
                         : std::string("no XDP"),
      c.iface, *ifindex, fmt::join(c.dstPorts, ","), o.snaplen, o.ringbufBytes, c.outDir,
      c.intervalSec);

  IntervalWriter intervals(o, prog, pipeline);
  service::Liveness live;
  live.ready(fmt::format("attached to {}; first interval in {} s", c.iface, c.intervalSec));
  runIntervals(o, signals, rb.value(), intervals, live);
  live.stopping();

  // Detach first so no new records arrive, drain what the kernel already queued, close every
  // connection (completing responses that end with the connection), then the final snapshot.
  prog.detach();
  rb->consume();
  pipeline.flushAll();
  intervals.writeOnce(live);
  log::notice("detached from {}; {} payload snapshots written, {} write errors{}", c.iface,
              intervals.writer().snapshotsWritten(), intervals.writer().writeErrors(),
              signals.requested() ? fmt::format(" (stopped by {})", strsignal(signals.signal()))
                                  : std::string());
  return 0;
}

}  // namespace ibsr::payload
