#include "incident/pcap_sink.h"

#include "core/artefacts.h"
#include "core/log.h"
#include "ibsr_abi.h"
#include "incident/run_dir.h"

namespace ibsr::incident {

void PcapSink::harvest() {
  stats_.eventsWritten += writer_.takeCommitted();
  stats_.eventsWriteErrors += writer_.takeLost();
}

Status PcapSink::start(const std::string& tag, std::uint64_t ts) {
  Status closed = writer_.close();
  harvest();
  if (!closed.ok()) log::error("{}", closed.error().message);
  if (beforeNewFile_) beforeNewFile_();
  tag_ = tag;
  auto dir = createRunDir(outDir_, archiveDir_, tag, ts);
  if (!dir.ok()) return dir.error();
  auto w =
      PcapWriter::create(*dir + "/" + std::string(artefact::kIncidentPcap), IBSR_INCIDENT_SNAPLEN);
  if (!w.ok()) return w.error();
  writer_ = std::move(w.value());
  currentDir_ = *dir;
  loggedWriteError_ = false;
  log::info("writing {}", writer_.path());
  return {};
}

Status PcapSink::open(const std::string& tag, std::uint64_t ts) {
  if (Status st = start(tag, ts); !st.ok()) return st;
  runDir_ = currentDir_;
  return {};
}

Status PcapSink::rotate(const std::string& tag, std::uint64_t ts) {
  Status st = start(tag, ts);
  ++stats_.rotations;
  return st;
}

void PcapSink::write(std::uint64_t tsUsec, std::span<const std::uint8_t> data,
                     std::uint32_t origLen) {
  std::uint64_t need = kPcapRecordHeaderBytes + data.size();
  // A file with no record yet always takes one, so a tiny cap cannot loop over empty files.
  if (maxBytes_ && writer_.isOpen() && writer_.records() > 0 &&
      writer_.bytes() + need > *maxBytes_) {
    ++stats_.sizeDrivenRotations;
    if (Status st = rotate(tag_, clock_.nowUnix()); !st.ok())
      log::error("size rotation failed: {}", st.error().message);
  }
  if (!writer_.isOpen()) {
    // The last rotation failed (disk full, directory removed): try again at most once a second
    // and count what is lost meanwhile.
    auto now = std::chrono::steady_clock::now();
    if (now >= nextRetry_) {
      nextRetry_ = now + std::chrono::seconds(1);
      if (Status st = start(tag_, clock_.nowUnix()); !st.ok())
        log::error("cannot start a new pcap: {}", st.error().message);
    }
  }
  if (!writer_.isOpen()) {
    ++stats_.eventsWriteErrors;
    return;
  }
  Status st = writer_.write(tsUsec, data, origLen);
  harvest();
  if (!st.ok()) logWriteError(st);
}

void PcapSink::flush() {
  Status st = writer_.flush();
  harvest();
  if (!st.ok()) logWriteError(st);
}

void PcapSink::logWriteError(const Status& st) {
  if (!loggedWriteError_)
    log::error("{} (the file keeps its complete records; further errors on it are only counted)",
               st.error().message);
  loggedWriteError_ = true;
}

Status PcapSink::close() {
  Status st = writer_.close();
  harvest();
  return st;
}

}  // namespace ibsr::incident
