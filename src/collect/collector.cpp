#include "collect/collector.h"

#include <bpf/libbpf.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <chrono>
#include <cstring>

#include "bpf/embedded_check.h"
#include "bpf/libbpf_logging.h"
#include "bpf/map_reader.h"
#include "bpf/skeleton.h"
#include "collect/snapshot_cycle.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/privileges.h"
#include "core/signals.h"
#include "counter.skel.h"

namespace ibsr::collect {
namespace {

using Clock = std::chrono::steady_clock;

int fail(const Error& e) {
  log::error("{}", e.message);
  return 1;
}

Result<bpf::Skeleton<counter_bpf>> loadCounterProgram(const CollectOptions& o) {
  auto elf = bpf::Skeleton<counter_bpf>::elfBytes();
  if (Status st = bpf::checkEmbeddedObject("counter", elf, safety::Mode::Strict); !st.ok())
    return st.error();
  auto skel = bpf::Skeleton<counter_bpf>::open();
  if (!skel.ok()) return skel.error();
  for (std::size_t i = 0; i < o.dstPorts.size(); ++i)
    skel.value()->rodata->monitored_ports[i] = o.dstPorts[i];
  skel.value()->rodata->monitored_port_count = static_cast<__u32>(o.dstPorts.size());
  if (int err = bpf_map__set_max_entries(skel.value()->maps.counters, o.mapSize); err)
    return sysError("cannot size the counter map", err);
  if (Status st = skel.value().load(); !st.ok()) return st.error();
  return skel;
}

}  // namespace

int runCollector(CollectOptions o) {
  log::setVerbosity(o.verbosity);
  bpf::installLibbpfLogging();

  if (Status st = requireBpfPrivileges("ibsr collect"); !st.ok()) return fail(st.error());
  auto ifindex = bpf::interfaceIndex(o.iface);
  if (!ifindex.ok()) return fail(ifindex.error());
  if (Status st = prepareOutputDir(o.outDir); !st.ok()) return fail(st.error());

  // Block the shutdown signals before loading: a SIGTERM during load is then handled as a
  // normal shutdown (final snapshot of an empty map) instead of killing us half-attached.
  ShutdownSignals signals;

  auto skel = loadCounterProgram(o);
  if (!skel.ok()) return fail(skel.error());
  auto link =
      bpf::attachXdp(bpf_program__fd(skel.value()->progs.ibsr_count), *ifindex, o.iface, o.xdpMode);
  if (!link.ok()) return fail(link.error());

  log::notice(
      "attached XDP ({} mode) to {} (ifindex {}); ports {}; map size {}; writing to {} "
      "every {} s",
      bpf::xdpModeName(link->mode), o.iface, *ifindex, fmt::join(o.dstPorts, ","), o.mapSize,
      o.outDir, o.intervalSec);

  WallClock wall(o.testClockOffsetSec);
  bpf::CounterMapReader reader(bpf_map__fd(skel.value()->maps.counters));
  RotationPolicy policy;
  policy.maxFiles = o.maxFiles;
  policy.maxAgeSec = o.maxAgeSec;
  SnapshotCycle cycle(o.outDir, o.dstPorts, policy);
  std::vector<Bucket> entries;

  auto collectOnce = [&] {
    auto started = Clock::now();
    if (Status st = reader.readAll(entries); !st.ok()) {
      log::error("{} (this cycle's snapshot is skipped)", st.error().message);
      return;
    }
    std::uint64_t ts = wall.nowUnix();
    cycle.run(ts, entries);
    const auto& s = cycle.stats();
    log::info(
        "cycle {}: {} buckets from {} sources, {} bytes, {} ms", s.cycle, s.lastBuckets,
        s.lastSources, s.lastLineBytes,
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  };

  const auto interval = std::chrono::seconds(o.intervalSec);
  const auto start = Clock::now();
  const auto end =
      o.durationSec ? start + std::chrono::seconds(*o.durationSec) : Clock::time_point::max();
  auto next = start + interval;
  for (;;) {
    auto wake = std::min(next, end);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now());
    if (signals.waitFor(wait + std::chrono::milliseconds(1))) break;
    auto now = Clock::now();
    if (now >= end) break;
    if (now >= next) {
      collectOnce();
      next += interval;
      if (next <= now) next = now + interval;  // a stalled cycle must not cause a burst
    }
  }

  collectOnce();  // the final snapshot holds everything counted up to the shutdown request
  link->link.reset();
  skel.value().reset();
  log::notice("detached from {}; {} snapshots written, {} write errors{}", o.iface,
              cycle.stats().snapshotsWritten, cycle.stats().writeErrors,
              signals.requested() ? fmt::format(" (stopped by {})", strsignal(signals.signal()))
                                  : std::string());
  return 0;
}

}  // namespace ibsr::collect
