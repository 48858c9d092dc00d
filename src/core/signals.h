// SIGINT/SIGTERM as a polled event rather than an asynchronous handler: the signals are blocked
// in every thread (construct this before starting any thread) and consumed with sigtimedwait,
// so the main loop sleeps until either the next deadline or a shutdown request.
#pragma once

#include <chrono>

namespace ibsr {

class ShutdownSignals {
 public:
  ShutdownSignals();
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Waits up to `timeout`; returns true once SIGINT or SIGTERM has arrived (now or earlier).
  bool waitFor(std::chrono::milliseconds timeout);
  bool requested() const { return requested_; }
  int signal() const { return signal_; }

 private:
  bool requested_ = false;
  int signal_ = 0;
};

}  // namespace ibsr
