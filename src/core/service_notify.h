// The systemd service-manager protocol (sd_notify(3)) for the long-running modes: READY=1 once
// the programs are attached and the first output is open, WATCHDOG=1 every cycle (and often
// enough between long cycles), a STATUS= line for `systemctl status`, STOPPING=1 on shutdown.
// Every message is a no-op unless systemd started us with NOTIFY_SOCKET (Type=notify), so the
// modes run unchanged by hand. docs/operations.md, "Liveness", says what systemd does with them.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace ibsr::service {

// Sends one notification (newline-separated assignments); false if there was no socket or it
// failed (never fatal: the service manager is not ours to wait for).
bool notify(std::string_view assignments);

// WatchdogSec= as systemd passed it (WATCHDOG_USEC, for this process); nullopt when disabled.
std::optional<std::chrono::microseconds> watchdogTimeout();

// The notifications of one long-running mode.
class Liveness {
 public:
  using Clock = std::chrono::steady_clock;

  // Reads the watchdog timeout once (watchdogTimeout()).
  Liveness();
  // With an explicit timeout (tests).
  explicit Liveness(std::optional<std::chrono::microseconds> watchdog);

  // Attached, the first output open: systemd now considers the unit started.
  void ready(std::string_view status);
  // One completed cycle: pets the watchdog and replaces the status line.
  void cycle(std::string_view status);
  // Call before every wait of the loop: pets the watchdog when a pet is due and returns `wait`
  // shortened to the next pet, so a loop whose cycle interval is longer than the watchdog still
  // pets it at least every third of WatchdogSec (well inside the half sd_watchdog_enabled(3)
  // asks for). Without a watchdog it returns `wait` unchanged.
  std::chrono::milliseconds pace(std::chrono::milliseconds wait);
  // The shutdown began (SIGTERM/SIGINT or --duration-sec): systemd stops expecting pets, and
  // cycle() afterwards (the final snapshot) only updates the status line.
  void stopping();

  // The pet period: a third of the watchdog timeout; nullopt without a watchdog.
  std::optional<Clock::duration> petPeriod() const { return period_; }

 private:
  void pet(Clock::time_point now);

  std::optional<Clock::duration> period_;
  Clock::time_point lastPet_;
  bool stopping_ = false;
};

}  // namespace ibsr::service
