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
#include "bpf/tc_attach.h"
#include "bpf/xdp_attach.h"
#include "core/append_line.h"
#include "core/interface_lock.h"
#include "core/log.h"
#include "core/privileges.h"
#include "core/signals.h"
#include "core/unique_fd.h"
#include "incident/archiver.h"
#include "incident/controller.h"
#include "incident/event_decoder.h"
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

struct RingBufferDeleter {
  void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};
using RingBufferPtr = std::unique_ptr<ring_buffer, RingBufferDeleter>;

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

}  // namespace

int runRecorder(IncidentOptions o) {
  log::setVerbosity(o.verbosity);
  bpf::installLibbpfLogging();

  if (Status st = requireBpfPrivileges("ibsr record-incident"); !st.ok()) return fail(st.error());
  auto ifindex = bpf::interfaceIndex(o.iface);
  if (!ifindex.ok()) return fail(ifindex.error());
  // One instance per interface; taken before anything is created, so a second copy fails
  // without leaving a directory or touching the first one's socket.
  auto lock = InterfaceLock::acquire("record-incident", *ifindex, o.iface);
  if (!lock.ok()) return fail(lock.error());
  if (Status st = prepareDir(o.outDir, "output directory"); !st.ok()) return fail(st.error());
  if (o.archiveDir) {
    if (Status st = prepareDir(*o.archiveDir, "archive directory"); !st.ok())
      return fail(st.error());
  }

  // Signals are blocked before anything is created, so a SIGTERM during startup becomes a
  // normal shutdown at the first loop iteration instead of killing us half-attached.
  ShutdownSignals blocked;
  auto sigFd = shutdownSignalFd();
  if (!sigFd.ok()) return fail(sigFd.error());

  std::optional<TriggerServer> server;
  if (o.triggerSocket) {
    auto s = TriggerServer::create(*o.triggerSocket, milliseconds(o.socketTimeoutMs));
    if (!s.ok()) return fail(s.error());
    server.emplace(std::move(s.value()));
  }

  auto program = IncidentProgram::load(o.ringbufBytes);
  if (!program.ok()) return fail(program.error());

  WallClock wall;
  IncidentStats stats;
  PcapSink sink(o.outDir, o.archiveDir, o.maxPcapBytes, wall, stats);
  if (Status st = sink.open(o.tag, wall.nowUnix()); !st.ok()) return fail(st.error());
  const std::string statusPath = sink.runDir() + "/status.jsonl";
  // Created now, so the first run directory is never empty and never removed by the archive
  // sweep before the first heartbeat.
  // A startup failure from here on removes what this run created (nothing was attached).
  auto abandon = [&](const Error& e) {
    std::string pcap = sink.currentFile();
    (void)sink.close();
    ::unlink(pcap.c_str());
    ::unlink(statusPath.c_str());
    ::rmdir(sink.runDir().c_str());
    return fail(e);
  };
  if (UniqueFd fd(::open(statusPath.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644)); !fd.valid())
    return abandon(sysError("cannot create '" + statusPath + "'"));

  Scrubber scrubber(o.salt, o.internalSubnet);
  EventDecoder decoder(sink, scrubber, stats);
  errno = 0;
  RingBufferPtr rb(ring_buffer__new(program->ringbufFd(), onEvent, &decoder, nullptr));
  if (!rb)
    return abandon(sysError("cannot set up the ring-buffer consumer", errno ? errno : EINVAL));
  auto drain = [&] {
    if (ring_buffer__consume(rb.get()) < 0) ++stats.pollErrors;
    sink.flush();
  };

  ControlState initial;
  initial.samplingActive = true;
  initial.rate = o.sampleRate;
  initial.tag = o.tag;
  Controller controller(*program, sink, wall, drain, initial);
  if (Status st = controller.init(); !st.ok()) return abandon(st.error());

  // With the interface lock held (above), a filter found at our handle was left by a killed
  // instance: replace it, so that a restart after a crash works.
  auto tc = bpf::TcAttachment::attach(*ifindex, o.iface,
                                      {{program->ingressFd(), bpf::TcDirection::Ingress,
                                        bpf::kTcHandleIncident, bpf::kTcPriorityIncident},
                                       {program->egressFd(), bpf::TcDirection::Egress,
                                        bpf::kTcHandleIncident, bpf::kTcPriorityIncident}},
                                      /*replaceStale=*/true);
  if (!tc.ok()) return abandon(tc.error());

  log::notice("attached TC ingress+egress to {} (ifindex {}{}); sampling 1-in-{}; writing {}{}",
              o.iface, *ifindex, tc->createdHook() ? ", created clsact" : ", existing clsact",
              o.sampleRate, sink.currentFile(),
              server ? "; trigger socket " + server->path() : std::string());

  auto writeStatus = [&] {
    ++stats.cycle;
    if (auto t = program->cpuTotals(); t.ok())
      stats.ringbufDrops = t->ringbufDrops;
    else
      log::warn("{}", t.error().message);
    if (Status st = appendLine(statusPath, formatStatusLine(wall.nowUnix(), stats)); !st.ok())
      log::error("{}", st.error().message);
  };

  const auto start = Clock::now();
  const auto end =
      o.durationSec ? start + std::chrono::seconds(*o.durationSec) : Clock::time_point::max();
  const auto statusEvery = std::chrono::seconds(o.statusIntervalSec);
  const auto sweepEvery = std::chrono::seconds(o.archiveSweepSec);
  auto nextStatus = start + statusEvery;
  auto nextSweep = o.archiveDir ? start + sweepEvery : Clock::time_point::max();
  const int rbFd = ring_buffer__epoll_fd(rb.get());
  int stopSignal = 0;

  for (;;) {
    // Wake at least once a second: trigger deadlines are in wall-clock seconds.
    milliseconds wait =
        std::min({until(nextStatus), until(nextSweep), until(end), milliseconds(1000)});
    if (server) wait = std::min(wait, server->untilNextTimeout());
    pollfd fds[3] = {{sigFd->get(), POLLIN, 0}, {rbFd, POLLIN, 0}, {-1, POLLIN, 0}};
    if (server) fds[2].fd = server->pollFd();
    int n = ::poll(fds, server ? 3 : 2, static_cast<int>(wait.count()));
    if (n < 0 && errno != EINTR) {
      ++stats.pollErrors;
      log::warn("poll failed: {}", std::strerror(errno));
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      if (::read(sigFd->get(), &si, sizeof(si)) == sizeof(si))
        stopSignal = static_cast<int>(si.ssi_signo);
      break;
    }
    drain();
    if (server)
      server->process([&](const std::string& line) { return controller.handleLine(line); });
    controller.checkDeadline();
    auto now = Clock::now();
    if (now >= end) break;
    if (now >= nextSweep) {
      auto r = archiveSweep(o.outDir, *o.archiveDir, o.archiveAfterSec, wall.nowUnix(),
                            sink.currentFile());
      stats.archived += r.archived;
      stats.archiveErrors += r.errors;
      nextSweep = now + sweepEvery;
    }
    if (now >= nextStatus) {
      decoder.refreshClockOffset();
      writeStatus();
      nextStatus += statusEvery;
      if (nextStatus <= now) nextStatus = now + statusEvery;
    }
  }

  // Detach first so no new samples arrive, then take everything still queued, then close.
  tc->detach();
  drain();
  if (Status st = sink.close(); !st.ok()) log::error("{}", st.error().message);
  writeStatus();
  if (server) server->close();
  log::notice(
      "detached from {}; {} packets written, {} write errors, {} scrubbed, {} "
      "ring-buffer drops, {} rotations{}",
      o.iface, stats.eventsWritten, stats.eventsWriteErrors, stats.eventsScrubbed,
      stats.ringbufDrops, stats.rotations,
      stopSignal ? fmt::format(" (stopped by {})", strsignal(stopSignal))
                 : std::string(" (duration reached)"));
  return 0;
}

}  // namespace ibsr::incident
