#include "core/service_notify.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <string>

namespace ibsr::service {

bool notify(std::string_view assignments) {
  // sd_notify() returns 0 without NOTIFY_SOCKET; keep the environment (unset = 0) so that a
  // re-read, or a child, sees the same socket.
  return ::sd_notify(0, std::string(assignments).c_str()) > 0;
}

std::optional<std::chrono::microseconds> watchdogTimeout() {
  // Also checks WATCHDOG_PID, so a variable inherited from a parent service does not apply.
  std::uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

Liveness::Liveness() : Liveness(watchdogTimeout()) {}

Liveness::Liveness(std::optional<std::chrono::microseconds> watchdog) : lastPet_(Clock::now()) {
  if (watchdog) period_ = std::max<Clock::duration>(*watchdog / 3, std::chrono::milliseconds(1));
}

void Liveness::ready(std::string_view status) {
  notify("READY=1\nSTATUS=" + std::string(status));
  lastPet_ = Clock::now();  // systemd starts the watchdog clock at READY=1
}

void Liveness::cycle(std::string_view status) {
  if (stopping_) {  // the final cycle after the stop request: systemd no longer expects pets
    notify("STATUS=" + std::string(status));
    return;
  }
  notify("WATCHDOG=1\nSTATUS=" + std::string(status));
  lastPet_ = Clock::now();
}

void Liveness::pet(Clock::time_point now) {
  notify("WATCHDOG=1");
  lastPet_ = now;
}

std::chrono::milliseconds Liveness::pace(std::chrono::milliseconds wait) {
  if (!period_ || stopping_) return wait;
  auto now = Clock::now();
  if (now - lastPet_ >= *period_) pet(now);
  auto untilPet = std::chrono::ceil<std::chrono::milliseconds>(lastPet_ + *period_ - now);
  return std::min(wait, std::max(untilPet, std::chrono::milliseconds(0)));
}

void Liveness::stopping() {
  stopping_ = true;
  notify("STOPPING=1\nSTATUS=stopping");
}

}  // namespace ibsr::service
