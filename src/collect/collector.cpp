#include "collect/collector.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstring>

#include "bpf/libbpf_logging.h"
#include "collect/counter_metrics.h"
#include "collect/counter_program.h"
#include "collect/counter_snapshots.h"
#include "core/clock.h"
#include "core/file_lock.h"
#include "core/interval_schedule.h"
#include "core/log.h"
#include "core/metrics_file.h"
#include "core/output_dir.h"
#include "core/privileges.h"
#include "core/service_notify.h"
#include "core/signals.h"

namespace ibsr::collect {
namespace {

using Clock = std::chrono::steady_clock;

int fail(const Error& e) {
  log::error("{}", e.message);
  return 1;
}

metrics::Exposition exposition(const CollectOptions& o, const CounterSnapshots& snapshots) {
  metrics::Exposition e;
  addCounterMetrics(e, snapshots.stats(), snapshots.writerStats(), o,
                    metrics::modeLabels("collect", o.iface));
  return e;
}

// Until SIGINT/SIGTERM or the end of --duration-sec, one snapshot per interval.
void runCycles(const CollectOptions& o, ShutdownSignals& signals, CounterSnapshots& snapshots,
               service::Liveness& live) {
  WallClock wall(o.testClockOffsetSec);
  metrics::MetricsFile metricsFile(o.metricsFile, metrics::modeLabels("collect", o.iface));
  auto collectOnce = [&] {
    auto started = Clock::now();
    bool taken = snapshots.take(wall.nowUnix());
    metricsFile.write(exposition(o, snapshots));
    if (!taken) return;
    const auto& s = snapshots.stats();
    live.cycle(fmt::format("cycle {}: {} sources, {} write errors", s.cycle, s.lastSources,
                           s.writeErrors));
    log::info(
        "cycle {}: {} buckets from {} sources, {} bytes, {} ms", s.cycle, s.lastBuckets,
        s.lastSources, s.lastLineBytes,
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  };
  IntervalSchedule schedule(o.intervalSec, o.durationSec);
  for (;;) {
    auto wait = schedule.untilWake(Clock::now()) + std::chrono::milliseconds(1);
    if (signals.waitFor(live.pace(wait))) break;
    auto now = Clock::now();
    if (schedule.finished(now)) break;
    if (schedule.due(now)) {
      collectOnce();
      schedule.advance(now);
    }
  }
  live.stopping();
  collectOnce();  // the final snapshot holds everything counted up to the shutdown request
}

}  // namespace

int runCollector(CollectOptions o) {
  log::setVerbosity(o.verbosity);
  bpf::installLibbpfLogging();

  if (Status st = requireCapabilities("ibsr collect",
                                      {Capability::Bpf, Capability::Perfmon, Capability::NetAdmin});
      !st.ok())
    return fail(st.error());
  auto ifindex = bpf::interfaceIndex(o.iface);
  if (!ifindex.ok()) return fail(ifindex.error());
  if (Status st = prepareOutputDir(o.outDir); !st.ok()) return fail(st.error());
  auto outLock = lockOutputDir(o.outDir, "collect");
  if (!outLock.ok()) return fail(outLock.error());

  // Block the shutdown signals before loading: a SIGTERM during load is then handled as a
  // normal shutdown (final snapshot of an empty map) instead of killing us half-attached.
  ShutdownSignals signals;

  auto program = CounterProgram::load(CounterProgramConfig::of(o));
  if (!program.ok()) return fail(program.error());
  if (Status st = program->attach(*ifindex, o.iface, o.xdpMode); !st.ok()) return fail(st.error());

  log::notice(
      "attached XDP ({} mode) to {} (ifindex {}); ports {}; map size {}; IPv6 {}; writing to {} "
      "every {} s",
      bpf::xdpModeName(program->mode()), o.iface, *ifindex, fmt::join(o.dstPorts, ","), o.mapSize,
      o.noIpv6 ? std::string("off")
               : fmt::format("per /{}, map size {}", o.ipv6PrefixLen, ipv6MapSize(o)),
      o.outDir, o.intervalSec);

  CounterSnapshots snapshots(program.value(), o.outDir, o, retentionPolicy(o));
  service::Liveness live;
  live.ready(fmt::format("attached to {}; first snapshot in {} s", o.iface, o.intervalSec));
  runCycles(o, signals, snapshots, live);

  program->detach();
  log::notice("detached from {}; {} snapshots written, {} write errors{}", o.iface,
              snapshots.stats().snapshotsWritten, snapshots.stats().writeErrors,
              signals.requested() ? fmt::format(" (stopped by {})", strsignal(signals.signal()))
                                  : std::string());
  return 0;
}

}  // namespace ibsr::collect
