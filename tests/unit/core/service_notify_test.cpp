// The sd_notify messages of a long-running mode, received on a real AF_UNIX datagram socket
// given as NOTIFY_SOCKET, exactly as systemd receives them.
#include "core/service_notify.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "temp_dir.h"

namespace ibsr::service {
namespace {

using namespace std::chrono_literals;

class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) ADD_FAILURE() << path;
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }

  // The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout = 2000ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(ServiceNotify, ReadyCycleStoppingInOrder) {
  testing::TempDir dir;
  NotifySocket sock((dir / "notify").string());
  Liveness live(std::nullopt);
  live.ready("attached to eth0");
  live.cycle("cycle 1: 3 sources");
  live.stopping();
  live.cycle("cycle 2: 3 sources");  // the final snapshot: status only, no more pets
  EXPECT_EQ(sock.next(), "READY=1\nSTATUS=attached to eth0");
  EXPECT_EQ(sock.next(), "WATCHDOG=1\nSTATUS=cycle 1: 3 sources");
  EXPECT_EQ(sock.next(), "STOPPING=1\nSTATUS=stopping");
  EXPECT_EQ(sock.next(), "STATUS=cycle 2: 3 sources");
  EXPECT_EQ(sock.next(50ms), std::nullopt);
}

TEST(ServiceNotify, PacePetsBetweenLongCycles) {
  testing::TempDir dir;
  NotifySocket sock((dir / "notify").string());
  Liveness live(std::chrono::microseconds(300000));  // WatchdogSec=300ms: pet every 100 ms
  ASSERT_EQ(live.petPeriod(), std::chrono::steady_clock::duration(100ms));
  live.ready("up");
  ASSERT_EQ(sock.next(), "READY=1\nSTATUS=up");
  // A 60 s interval is cut to the next pet; nothing is due yet.
  auto wait = live.pace(60000ms);
  EXPECT_GT(wait, 0ms);
  EXPECT_LE(wait, 100ms);
  EXPECT_EQ(sock.next(0ms), std::nullopt);
  std::this_thread::sleep_for(wait + 5ms);
  EXPECT_EQ(live.pace(60000ms), 100ms);  // petted now; the next pet in a full period
  EXPECT_EQ(sock.next(), "WATCHDOG=1");
  // A shorter wait than the period is left alone.
  EXPECT_EQ(live.pace(10ms), 10ms);
  live.stopping();
  ASSERT_EQ(sock.next(), "STOPPING=1\nSTATUS=stopping");
  std::this_thread::sleep_for(110ms);
  EXPECT_EQ(live.pace(60000ms), 60000ms);  // stopping: no more pets, no more wake-ups
  EXPECT_EQ(sock.next(50ms), std::nullopt);
}

TEST(ServiceNotify, WithoutWatchdogPaceChangesNothing) {
  Liveness live(std::nullopt);
  EXPECT_EQ(live.petPeriod(), std::nullopt);
  EXPECT_EQ(live.pace(60000ms), 60000ms);
}

TEST(ServiceNotify, NoSocketIsANoOp) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notify("READY=1"));
  Liveness live(std::chrono::microseconds(1000000));
  live.ready("up");  // nothing to send to, nothing fails
  live.stopping();
}

TEST(ServiceNotify, WatchdogTimeoutFromEnvironmentForThisProcessOnly) {
  std::string pid = std::to_string(::getpid());
  ::setenv("WATCHDOG_USEC", "2000000", 1);
  ::setenv("WATCHDOG_PID", pid.c_str(), 1);
  EXPECT_EQ(watchdogTimeout(), std::chrono::microseconds(2000000));
  EXPECT_EQ(Liveness().petPeriod(), std::chrono::steady_clock::duration(666666us));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);  // meant for a parent
  EXPECT_EQ(watchdogTimeout(), std::nullopt);
  ::unsetenv("WATCHDOG_PID");
  EXPECT_EQ(watchdogTimeout(), std::chrono::microseconds(2000000));
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(watchdogTimeout(), std::nullopt);
}

}  // namespace
}  // namespace ibsr::service
