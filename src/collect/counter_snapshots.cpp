#include "collect/counter_snapshots.h"

#include "core/log.h"

namespace ibsr::collect {

CounterSnapshots::CounterSnapshots(CounterProgram& program, std::string outDir,
                                   std::vector<std::uint16_t> dstPorts, RotationPolicy policy)
    : program_(program), cycle_(std::move(outDir), std::move(dstPorts), std::move(policy)) {}

bool CounterSnapshots::take(std::uint64_t ts) {
  if (Status st = program_.readAll(entries_); !st.ok()) {
    log::error("{} (this cycle's counter snapshot is skipped)", st.error().message);
    return false;
  }
  cycle_.run(ts, entries_);
  return true;
}

}  // namespace ibsr::collect
