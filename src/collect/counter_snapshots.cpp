#include "collect/counter_snapshots.h"

#include "core/clock.h"
#include "core/log.h"

namespace ibsr::collect {

namespace {

std::optional<Snapshot6Run> ipv6Run(const CounterProgram& program, const CollectOptions& o) {
  if (!program.ipv6()) return std::nullopt;
  return Snapshot6Run{.runId = newRunId(),
                      .baseTs = WallClock(o.testClockOffsetSec).nowUnix(),
                      .intervalSec = o.intervalSec,
                      .prefixLen = o.ipv6PrefixLen};
}

}  // namespace

CounterSnapshots::CounterSnapshots(CounterProgram& program, std::string outDir,
                                   const CollectOptions& o, RotationPolicy policy)
    : program_(program),
      cycle_(std::move(outDir), o.dstPorts, std::move(policy), ipv6Run(program, o)) {
  cycle_.keepResident(o.snapshotResidentBytes);
}

bool CounterSnapshots::take(std::uint64_t ts) {
  Status st = program_.readAll(cycle_.entries());
  if (st.ok()) st = program_.readAll6(entries6_);
  if (!st.ok()) {
    log::error("{} (this cycle's counter snapshot is skipped)", st.error().message);
    return false;
  }
  cycle_.run(ts, &entries6_);
  return true;
}

}  // namespace ibsr::collect
