#include "incident/recorder.h"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include "bpf/libbpf_logging.h"
#include "bpf/ring_buffer.h"
#include "bpf/tc_attach.h"
#include "bpf/xdp_attach.h"
#include "core/append_line.h"
#include "core/artefacts.h"
#include "core/interface_lock.h"
#include "core/log.h"
#include "core/metrics_file.h"
#include "core/privileges.h"
#include "core/service_notify.h"
#include "core/signals.h"
#include "core/unique_fd.h"
#include "incident/archiver.h"
#include "incident/controller.h"
#include "incident/disk_budget.h"
#include "incident/event_decoder.h"
#include "incident/incident_metrics.h"
#include "incident/incident_program.h"
#include "incident/pcap_sink.h"
#include "incident/run_dir.h"
#include "incident/trigger_socket.h"

namespace ibsr::incident {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int fail(const Error& e) {
  log::error("{}", e.message);
  return 1;
}

int onEvent(void* ctx, void* data, size_t size) {
  static_cast<EventDecoder*>(ctx)->handle(data, size);
  return 0;
}

Result<UniqueFd> shutdownSignalFd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd.valid()) return sysError("cannot create signalfd");
  return fd;
}

milliseconds until(Clock::time_point t) {
  if (t == Clock::time_point::max()) return milliseconds::max();
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(t - Clock::now()));
}

// One recording, from the startup checks to the clean shutdown. The members are declared in the
// order they are set up, so they are torn down in reverse: the TC filters first, the interface
// lock last.
class Recorder {
 public:
  explicit Recorder(IncidentOptions o)
      : o_(std::move(o)),
        budget_{o_.outDir, o_.archiveDir, o_.maxDiskBytes, o_.maxPcapBytes},
        sink_(o_.outDir, o_.archiveDir, o_.maxPcapBytes, wall_, stats_),
        scrubber_(o_.salt, o_.internal),
        metrics_(o_.metricsFile, metrics::modeLabels("record-incident", o_.iface)) {
    // Before every new file, so the closed one and the new one fit together.
    sink_.setBeforeNewFile([this] { enforceBudget(); });
  }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Everything up to the first run directory; a failure leaves nothing behind.
  Status prepare();
  // The ring-buffer consumer, the controller and the TC attachment; a failure needs abandon().
  Status start();
  // Removes what prepare() created (nothing was attached) and returns the exit code.
  int abandon(const Error& e);
  // Until SIGINT/SIGTERM (returns its number) or --duration-sec (returns 0).
  int loop();
  // Detach first so no new samples arrive, then take everything still queued, then close.
  void shutdown(int stopSignal);

 private:
  Status checkAndLock();
  Status openControlChannels();
  Status openRun();
  Status startConsumer();
  Status startController();
  Status attach();

  std::optional<int> waitForEvents();
  void handleEvents();
  void sweepArchiveIfDue(Clock::time_point now);
  void enforceBudget();
  void writeStatusIfDue(Clock::time_point now);
  void drain();
  void writeStatus();
  void writeMetrics();

  const IncidentOptions o_;
  int ifindex_ = 0;
  std::optional<InterfaceLock> lock_;
  std::optional<ShutdownSignals> blocked_;
  UniqueFd sigFd_;
  std::optional<TriggerServer> server_;
  std::optional<IncidentProgram> program_;
  WallClock wall_;
  IncidentStats stats_;
  const DiskBudget budget_;
  PcapSink sink_;
  std::string statusPath_;
  Scrubber scrubber_;
  std::optional<EventDecoder> decoder_;
  std::optional<bpf::RingBuffer> rb_;
  int rbFd_ = -1;
  std::optional<Controller> controller_;
  std::optional<bpf::TcAttachment> tc_;
  metrics::MetricsFile metrics_;

  Clock::time_point end_, nextStatus_, nextSweep_;
  service::Liveness live_;
};

Status Recorder::prepare() {
  if (Status st = checkAndLock(); !st.ok()) return st;
  if (Status st = openControlChannels(); !st.ok()) return st;
  auto program = IncidentProgram::load(o_.ringbufBytes);
  if (!program.ok()) return program.error();
  program_.emplace(std::move(program.value()));
  return openRun();
}

Status Recorder::checkAndLock() {
  if (Status st =
          requireCapabilities("ibsr record-incident", {Capability::Bpf, Capability::NetAdmin});
      !st.ok())
    return st;
  auto ifindex = bpf::interfaceIndex(o_.iface);
  if (!ifindex.ok()) return ifindex.error();
  ifindex_ = *ifindex;
  // One instance per interface; taken before anything is created, so a second copy fails
  // without leaving a directory or touching the first one's socket.
  auto lock = InterfaceLock::acquire("record-incident", ifindex_, o_.iface);
  if (!lock.ok()) return lock.error();
  lock_.emplace(std::move(lock.value()));
  if (Status st = prepareDir(o_.outDir, "output directory"); !st.ok()) return st;
  if (o_.archiveDir) {
    if (Status st = prepareDir(*o_.archiveDir, "archive directory"); !st.ok()) return st;
  }
  return {};
}

// Signals are blocked before anything is created, so a SIGTERM during startup becomes a normal
// shutdown at the first loop iteration instead of killing us half-attached.
Status Recorder::openControlChannels() {
  blocked_.emplace();
  auto sigFd = shutdownSignalFd();
  if (!sigFd.ok()) return sigFd.error();
  sigFd_ = std::move(sigFd.value());
  if (o_.triggerSocket) {
    auto s = TriggerServer::create(*o_.triggerSocket, milliseconds(o_.socketTimeoutMs));
    if (!s.ok()) return s.error();
    server_.emplace(std::move(s.value()));
  }
  return {};
}

Status Recorder::openRun() {
  if (Status st = sink_.open(o_.tag, wall_.nowUnix()); !st.ok()) return st;
  statusPath_ = sink_.runDir() + "/" + std::string(artefact::kStatusFile);
  return {};
}

Status Recorder::start() {
  // Created now, so the first run directory is never empty and never removed by the archive
  // sweep before the first heartbeat.
  if (UniqueFd fd(::open(statusPath_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644)); !fd.valid())
    return sysError("cannot create '" + statusPath_ + "'");
  if (Status st = startConsumer(); !st.ok()) return st;
  if (Status st = startController(); !st.ok()) return st;
  return attach();
}

int Recorder::abandon(const Error& e) {
  std::string pcap = sink_.currentFile();
  (void)sink_.close();
  ::unlink(pcap.c_str());
  ::unlink(statusPath_.c_str());
  ::rmdir(sink_.runDir().c_str());
  return fail(e);
}

Status Recorder::startConsumer() {
  decoder_.emplace(sink_, scrubber_, stats_);
  auto rb = bpf::RingBuffer::open(program_->ringbufFd(), onEvent, &*decoder_);
  if (!rb.ok()) return rb.error();
  rb_.emplace(std::move(rb.value()));
  rbFd_ = rb_->epollFd();
  return {};
}

Status Recorder::startController() {
  ControlState initial;
  initial.samplingActive = true;
  initial.rate = o_.sampleRate;
  initial.tag = o_.tag;
  controller_.emplace(
      *program_, sink_, wall_, [this] { drain(); }, initial);
  return controller_->init();
}

Status Recorder::attach() {
  // With the interface lock held, a filter found at our handle was left by a killed instance:
  // replace it, so that a restart after a crash works.
  auto tc = bpf::TcAttachment::attach(ifindex_, o_.iface,
                                      {{program_->ingressFd(), bpf::TcDirection::Ingress,
                                        bpf::kTcHandleIncident, bpf::kTcPriorityIncident},
                                       {program_->egressFd(), bpf::TcDirection::Egress,
                                        bpf::kTcHandleIncident, bpf::kTcPriorityIncident}},
                                      /*replaceStale=*/true);
  if (!tc.ok()) return tc.error();
  tc_.emplace(std::move(tc.value()));
  log::notice("attached TC ingress+egress to {} (ifindex {}, {}); sampling 1-in-{}; writing {}{}",
              o_.iface, ifindex_, tc_->how(), o_.sampleRate, sink_.currentFile(),
              server_ ? "; trigger socket " + server_->path() : std::string());
  live_.ready(fmt::format("attached to {}; sampling 1-in-{}", o_.iface, o_.sampleRate));
  return {};
}

int Recorder::loop() {
  const auto start = Clock::now();
  end_ = o_.durationSec ? start + std::chrono::seconds(*o_.durationSec) : Clock::time_point::max();
  nextStatus_ = start + std::chrono::seconds(o_.statusIntervalSec);
  nextSweep_ =
      o_.archiveDir ? start + std::chrono::seconds(o_.archiveSweepSec) : Clock::time_point::max();
  for (;;) {
    if (auto stopSignal = waitForEvents()) {
      live_.stopping();
      return *stopSignal;
    }
    handleEvents();
    auto now = Clock::now();
    if (now >= end_) {
      live_.stopping();
      return 0;
    }
    sweepArchiveIfDue(now);
    writeStatusIfDue(now);
  }
}

// Polls the shutdown signals, the ring buffer and the trigger socket until one is ready or a
// deadline is due. Returns the signal number once SIGINT/SIGTERM arrived (0 if unreadable).
std::optional<int> Recorder::waitForEvents() {
  // Wake at least once a second: trigger deadlines are in wall-clock seconds.
  milliseconds wait =
      std::min({until(nextStatus_), until(nextSweep_), until(end_), milliseconds(1000)});
  if (server_) wait = std::min(wait, server_->untilNextTimeout());
  wait = live_.pace(wait);
  pollfd fds[3] = {{sigFd_.get(), POLLIN, 0}, {rbFd_, POLLIN, 0}, {-1, POLLIN, 0}};
  if (server_) fds[2].fd = server_->pollFd();
  int n = ::poll(fds, server_ ? 3 : 2, static_cast<int>(wait.count()));
  if (n < 0 && errno != EINTR) {
    ++stats_.pollErrors;
    log::warn("poll failed: {}", std::strerror(errno));
  }
  if (!(fds[0].revents & POLLIN)) return std::nullopt;
  signalfd_siginfo si{};
  if (::read(sigFd_.get(), &si, sizeof(si)) == sizeof(si)) return static_cast<int>(si.ssi_signo);
  return 0;
}

void Recorder::handleEvents() {
  drain();
  if (server_)
    server_->process([&](const std::string& line) { return controller_->handleLine(line); });
  controller_->checkDeadline();
}

void Recorder::sweepArchiveIfDue(Clock::time_point now) {
  if (now < nextSweep_) return;
  auto r = archiveSweep(o_.outDir, *o_.archiveDir, o_.archiveAfterSec, wall_.nowUnix(),
                        sink_.currentFile());
  stats_.archived += r.archived;
  stats_.archiveErrors += r.errors;
  enforceBudget();
  nextSweep_ = now + std::chrono::seconds(o_.archiveSweepSec);
}

void Recorder::enforceBudget() {
  auto r = enforceDiskBudget(budget_, sink_.currentFile());
  stats_.budgetDeletedFiles += r.deletedFiles;
  stats_.budgetDeletedBytes += r.deletedBytes;
  stats_.diskBytes = r.usageBytes;
}

void Recorder::writeStatusIfDue(Clock::time_point now) {
  if (now < nextStatus_) return;
  decoder_->refreshClockOffset();
  enforceBudget();
  writeStatus();
  const auto statusEvery = std::chrono::seconds(o_.statusIntervalSec);
  nextStatus_ += statusEvery;
  if (nextStatus_ <= now) nextStatus_ = now + statusEvery;
}

void Recorder::drain() {
  if (rb_->consume() < 0) ++stats_.pollErrors;
  sink_.flush();
}

void Recorder::writeStatus() {
  ++stats_.cycle;
  if (auto t = program_->cpuTotals(); t.ok())
    stats_.ringbufDrops = t->ringbufDrops;
  else
    log::warn("{}", t.error().message);
  const std::uint64_t now = wall_.nowUnix();
  if (Status st = appendLine(statusPath_, formatStatusLine(now, stats_)); !st.ok()) {
    ++stats_.statusWriteErrors;
    log::error("{}", st.error().message);
  } else {
    stats_.lastStatusTs = now;
  }
  live_.cycle(fmt::format("cycle {}: {} packets written to {}, {} ring-buffer drops", stats_.cycle,
                          stats_.eventsWritten, sink_.currentFile(), stats_.ringbufDrops));
  writeMetrics();
}

void Recorder::writeMetrics() {
  if (!metrics_.enabled()) return;
  metrics::Exposition e;
  addIncidentMetrics(e, stats_, controller_->state(),
                     metrics::modeLabels("record-incident", o_.iface));
  metrics_.write(std::move(e));
}

void Recorder::shutdown(int stopSignal) {
  tc_->detach();
  drain();
  if (Status st = sink_.close(); !st.ok()) log::error("{}", st.error().message);
  stats_.diskBytes = diskUsage(budget_);
  writeStatus();
  if (server_) server_->close();
  log::notice(
      "detached from {}; {} packets written, {} write errors, {} scrubbed, {} "
      "ring-buffer drops, {} rotations{}",
      o_.iface, stats_.eventsWritten, stats_.eventsWriteErrors, stats_.eventsScrubbed,
      stats_.ringbufDrops, stats_.rotations,
      stopSignal ? fmt::format(" (stopped by {})", strsignal(stopSignal))
                 : std::string(" (duration reached)"));
}

}  // namespace

int runRecorder(IncidentOptions o) {
  log::setVerbosity(o.verbosity);
  bpf::installLibbpfLogging();
  Recorder recorder(std::move(o));
  if (Status st = recorder.prepare(); !st.ok()) return fail(st.error());
  if (Status st = recorder.start(); !st.ok()) return recorder.abandon(st.error());
  recorder.shutdown(recorder.loop());
  return 0;
}

}  // namespace ibsr::incident
