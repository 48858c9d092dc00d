// The --trigger-socket server: a Unix stream socket, one newline-terminated command per
// connection, one reply line, then the connection is closed.
//
// Creation is atomic with respect to permissions: the socket is bound inside a fresh 0700
// directory next to PATH (under umask 0117, so the file is 0660 from the start), then renamed
// over PATH. Nobody can reach it with wider permissions, and a stale socket file is replaced in
// one step. A socket file on which something still listens is never replaced (startup error);
// anything at PATH that is not a socket is left alone (startup error too).
//
// Hostile clients are bounded: at most kMaxConnections at once (more get an error reply and are
// closed), at most kMaxLineBytes per command (longer gets an error reply), and a connection that
// sends no complete command within the timeout gets an error reply and is closed. Everything is
// non-blocking and driven by one epoll fd that the caller polls alongside its other fds.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ibsr::incident {

class TriggerServer {
 public:
  static constexpr std::size_t kMaxConnections = 64;
  static constexpr std::size_t kMaxLineBytes = 4096;

  using Handler = std::function<std::string(const std::string& line)>;
  using Clock = std::chrono::steady_clock;

  TriggerServer() = default;
  TriggerServer(const TriggerServer&) = delete;
  TriggerServer& operator=(const TriggerServer&) = delete;
  TriggerServer(TriggerServer&&) noexcept = default;
  TriggerServer& operator=(TriggerServer&&) noexcept = default;
  ~TriggerServer();

  static Result<TriggerServer> create(const std::string& path, std::chrono::milliseconds timeout);

  // Readable when there is work for process().
  int pollFd() const { return epoll_.get(); }
  // Accepts, reads, answers and expires connections without blocking; `handler` maps a command
  // line to its reply line (both without the newline).
  void process(const Handler& handler);
  // Time until the oldest connection times out (max() when there is none).
  std::chrono::milliseconds untilNextTimeout() const;
  std::size_t openConnections() const { return conns_.size(); }
  const std::string& path() const { return path_; }

  // Removes the socket file if it is still ours; closes everything. Called by the destructor.
  void close();

 private:
  struct Conn {
    UniqueFd fd;
    std::string buf;
    Clock::time_point deadline;
  };
  void acceptAll();
  void readConn(int fd, const Handler& handler);
  void finish(int fd, const std::string& reply);

  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  UniqueFd listen_;
  UniqueFd epoll_;
  std::chrono::milliseconds timeout_{5000};
  std::unordered_map<int, Conn> conns_;
};

}  // namespace ibsr::incident
