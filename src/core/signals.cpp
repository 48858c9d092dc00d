#include "core/signals.h"

#include <pthread.h>
#include <signal.h>

#include <cerrno>

namespace ibsr {
namespace {

sigset_t shutdownSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

ShutdownSignals::ShutdownSignals() {
  sigset_t set = shutdownSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ShutdownSignals::~ShutdownSignals() {
  sigset_t set = shutdownSet();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

bool ShutdownSignals::waitFor(std::chrono::milliseconds timeout) {
  if (requested_) return true;
  if (timeout.count() < 0) timeout = std::chrono::milliseconds(0);
  sigset_t set = shutdownSet();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  int sig = sigtimedwait(&set, nullptr, &ts);
  if (sig > 0) {
    requested_ = true;
    signal_ = sig;
  }
  return requested_;
}

}  // namespace ibsr
