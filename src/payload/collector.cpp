#include "payload/collector.h"

#include <bpf/libbpf.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>

#include "bpf/libbpf_logging.h"
#include "bpf/map_reader.h"
#include "collect/snapshot_cycle.h"
#include "core/clock.h"
#include "core/interface_lock.h"
#include "core/log.h"
#include "core/privileges.h"
#include "core/signals.h"
#include "payload/output.h"
#include "payload/payload_program.h"
#include "payload/pipeline.h"

namespace ibsr::payload {
namespace {

using Clock = std::chrono::steady_clock;

int fail(const Error& e) {
  log::error("{}", e.message);
  return 1;
}

struct RingBufferDeleter {
  void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};

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

}  // namespace

int runPayloadCollector(PayloadOptions o) {
  const collect::CollectOptions& c = o.common;
  log::setVerbosity(c.verbosity);
  bpf::installLibbpfLogging();

  if (Status st = requireBpfPrivileges("ibsr collect-payload"); !st.ok()) return fail(st.error());
  auto ifindex = bpf::interfaceIndex(c.iface);
  if (!ifindex.ok()) return fail(ifindex.error());
  if (Status st = collect::prepareOutputDir(c.outDir); !st.ok()) return fail(st.error());
  const std::string counterDir = c.outDir + "/counters";
  if (Status st = collect::prepareOutputDir(counterDir); !st.ok()) return fail(st.error());

  // Blocked before loading: a SIGTERM during load becomes a normal shutdown.
  ShutdownSignals signals;

  auto program = PayloadProgram::load(o);
  if (!program.ok()) return fail(program.error());
  PayloadProgram& prog = *program.value();

  PipelineLimits limits;
  limits.maxFlows = o.maxFlows;
  limits.flowIdleNs = o.flowIdleSec * 1000000000ull;
  limits.maxMethods = o.maxMethods;
  limits.maxSources = c.mapSize;
  Pipeline pipeline(limits);
  std::unique_ptr<ring_buffer, RingBufferDeleter> rb(
      ring_buffer__new(prog.ringbufFd(), onRecord, &pipeline, nullptr));
  if (!rb) return fail(sysError("cannot set up the ring-buffer consumer", errno ? errno : EINVAL));

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

  const bool withCounters = prog.xdpAttached();  // the final snapshot runs after detach
  WallClock wall(c.testClockOffsetSec);
  RotationPolicy policy;
  policy.prefix = "payload_";
  policy.maxFiles = c.maxFiles;
  policy.maxAgeSec = c.maxAgeSec;
  OutputWriter writer(c.outDir, policy);
  RotationPolicy counterPolicy = policy;
  counterPolicy.prefix = "snapshot_";
  collect::SnapshotCycle counterCycle(counterDir, c.dstPorts, counterPolicy);
  bpf::CounterMapReader counterReader(prog.counterMapFd());
  std::vector<collect::Bucket> buckets;

  std::uint64_t lastTs = wall.nowUnix();
  std::uint64_t lastDrops = 0;
  std::uint64_t lastParseErrors = 0;
  std::uint64_t kernelDrops = 0;

  auto snapshotOnce = [&] {
    std::uint64_t ts = wall.nowUnix();
    pipeline.expireIdle(monotonicNs());
    if (auto t = prog.cpuTotals(); t.ok())
      kernelDrops = t->ringbufDrops;
    else
      log::warn("{}", t.error().message);
    const PipelineStats& ps = pipeline.stats();
    PayloadSnapshot snap;
    snap.tsUnixSec = ts;
    snap.intervalSec = ts >= lastTs ? ts - lastTs : 0;
    snap.dstPorts = c.dstPorts;
    snap.ringbufDrops = kernelDrops - lastDrops;
    snap.parseErrors = ps.parseErrors() - lastParseErrors;
    snap.sources = pipeline.takeInterval();
    StatusCounters sc;
    sc.eventsReceived = ps.events;
    sc.ringbufDrops = kernelDrops;
    sc.flowsTracked = pipeline.flowsTracked();
    sc.flowsEvicted = ps.flowsEvicted;
    sc.flowsIdleClosed = ps.flowsIdleClosed;
    sc.parseErrors = ps.parseErrors();
    sc.gaps = ps.reassembly.gaps;
    sc.incompleteBodies = ps.http.incompleteBodies;
    sc.unpairedResponses = ps.unpairedResponses;
    sc.droppedSources = pipeline.droppedSources();
    writer.write(snap, sc);
    lastTs = ts;
    lastDrops = kernelDrops;
    lastParseErrors = ps.parseErrors();
    log::info("interval: {} sources, {} events, {} ring-buffer drops, {} flows",
              snap.sources.size(), ps.events, kernelDrops, pipeline.flowsTracked());

    if (!withCounters) return;
    if (Status st = counterReader.readAll(buckets); st.ok())
      counterCycle.run(ts, buckets);
    else
      log::error("{} (this cycle's counter snapshot is skipped)", st.error().message);
  };

  const auto interval = std::chrono::seconds(c.intervalSec);
  const auto start = Clock::now();
  const auto end =
      c.durationSec ? start + std::chrono::seconds(*c.durationSec) : Clock::time_point::max();
  auto next = start + interval;
  std::uint64_t pollErrors = 0;
  for (;;) {
    if (signals.waitFor(std::chrono::milliseconds(0))) break;
    auto now = Clock::now();
    if (now >= end) break;
    if (now >= next) {
      snapshotOnce();
      next += interval;
      if (next <= now) next = now + interval;  // a stalled cycle must not cause a burst
      continue;
    }
    auto wake = std::min(next, end);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now);
    // Short polls keep signal latency low; consumption itself is event-driven.
    int timeout = static_cast<int>(std::min<long long>(wait.count() + 1, 100));
    int n = ring_buffer__poll(rb.get(), timeout);
    if (n < 0 && n != -EINTR && ++pollErrors <= 5)
      log::warn("ring buffer poll failed: {}", std::strerror(-n));
  }

  // Detach first so no new records arrive, drain what the kernel already queued, close every
  // connection (completing responses that end with the connection), then the final snapshot.
  prog.detach();
  ring_buffer__consume(rb.get());
  pipeline.flushAll();
  snapshotOnce();
  log::notice("detached from {}; {} payload snapshots written, {} write errors{}", c.iface,
              writer.snapshotsWritten(), writer.writeErrors(),
              signals.requested() ? fmt::format(" (stopped by {})", strsignal(signals.signal()))
                                  : std::string());
  return 0;
}

}  // namespace ibsr::payload
