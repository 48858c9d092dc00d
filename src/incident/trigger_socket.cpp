#include "incident/trigger_socket.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/log.h"
#include "incident/command.h"

namespace ibsr::incident {
namespace {

Result<sockaddr_un> unixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return plainError("socket path '" + path + "' is too long (max " +
                      std::to_string(sizeof(addr.sun_path) - 1) + " bytes)");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

std::string parentDir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// What is at `path` now: nothing, a stale socket (nobody accepts connections), or an error
// (something listens, or it is not a socket at all).
Status checkExisting(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return sysError("cannot inspect trigger socket path '" + path + "'");
  }
  if (!S_ISSOCK(st.st_mode))
    return plainError("trigger socket path '" + path +
                      "' exists and is not a socket; refusing to replace it");
  auto addr = unixAddress(path);
  if (!addr.ok()) return addr.error();
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return sysError("cannot create a probe socket");
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) == 0)
    return plainError("trigger socket '" + path +
                      "' is in use: another process is listening on it");
  if (errno == ECONNREFUSED || errno == ENOENT) return {};  // stale: replaced by the rename
  return sysError("cannot probe existing trigger socket '" + path + "'");
}

}  // namespace

TriggerServer::~TriggerServer() {
  close();
}

Result<TriggerServer> TriggerServer::create(const std::string& path,
                                            std::chrono::milliseconds timeout) {
  if (path.empty()) return plainError("trigger socket path is empty");
  if (!unixAddress(path).ok()) return unixAddress(path).error();
  if (Status st = checkExisting(path); !st.ok()) return st.error();

  // A private directory next to the final path (same filesystem, so rename is atomic).
  std::string tmpl = parentDir(path) + "/.ibsr-sock-XXXXXX";
  std::vector<char> dirBuf(tmpl.begin(), tmpl.end());
  dirBuf.push_back('\0');
  if (!::mkdtemp(dirBuf.data()))
    return sysError("cannot create a temporary directory next to '" + path + "'");
  std::string tmpDir(dirBuf.data());
  std::string tmpPath = tmpDir + "/s";
  auto cleanupTmp = [&] {
    ::unlink(tmpPath.c_str());
    ::rmdir(tmpDir.c_str());
  };
  auto tmpAddr = unixAddress(tmpPath);
  if (!tmpAddr.ok()) {
    cleanupTmp();
    return tmpAddr.error();
  }

  TriggerServer s;
  s.timeout_ = timeout;
  s.listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.listen_.valid()) {
    cleanupTmp();
    return sysError("cannot create trigger socket");
  }
  mode_t old = ::umask(0117);  // bind creates the file as 0777 & ~umask = 0660
  int rc = ::bind(s.listen_.get(), reinterpret_cast<const sockaddr*>(&*tmpAddr), sizeof(*tmpAddr));
  int bindErr = errno;
  ::umask(old);
  if (rc != 0) {
    cleanupTmp();
    return sysError("cannot bind trigger socket '" + path + "'", bindErr);
  }
  if (::chmod(tmpPath.c_str(), 0660) != 0 || ::listen(s.listen_.get(), 128) != 0) {
    Error e = sysError("cannot set up trigger socket '" + path + "'");
    cleanupTmp();
    return e;
  }
  // Between the check above and this rename another process could have started listening on
  // PATH; re-check right before replacing so the window is as small as it can be.
  if (Status st = checkExisting(path); !st.ok()) {
    cleanupTmp();
    return st.error();
  }
  if (::rename(tmpPath.c_str(), path.c_str()) != 0) {
    Error e = sysError("cannot move trigger socket into place at '" + path + "'");
    cleanupTmp();
    return e;
  }
  ::rmdir(tmpDir.c_str());
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    s.dev_ = st.st_dev;
    s.ino_ = st.st_ino;
  }
  s.path_ = path;

  s.epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!s.epoll_.valid()) return sysError("cannot create epoll instance");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = s.listen_.get();
  if (::epoll_ctl(s.epoll_.get(), EPOLL_CTL_ADD, s.listen_.get(), &ev) != 0)
    return sysError("cannot watch trigger socket");
  return s;
}

void TriggerServer::close() {
  conns_.clear();
  if (listen_.valid() && !path_.empty()) {
    // Only remove the file if it is still the socket we created (an operator or a newer
    // instance may have replaced it).
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
      ::unlink(path_.c_str());
  }
  listen_.reset();
  epoll_.reset();
  path_.clear();
}

void TriggerServer::acceptAll() {
  // Bounded per call so a connection flood cannot starve the packet path.
  for (int i = 0; i < 256; ++i) {
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
        log::warn("trigger socket: accept failed: {}", std::strerror(errno));
      return;
    }
    UniqueFd conn(fd);
    if (conns_.size() >= kMaxConnections) {
      std::string reply = errorReply("too many connections; try again") + "\n";
      (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      log::warn("trigger socket: cannot watch connection: {}", std::strerror(errno));
      continue;
    }
    conns_.emplace(fd, Conn{std::move(conn), {}, Clock::now() + timeout_});
  }
}

void TriggerServer::finish(int fd, const std::string& reply) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  std::string line = reply + "\n";
  // Replies are far smaller than a socket buffer; a client that does not read loses its reply.
  (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  conns_.erase(it);
}

void TriggerServer::readConn(int fd, const Handler& handler) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  char buf[4096];
  // Bounded: every read adds at least one byte, and the buffer cap ends the loop.
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
      conns_.erase(it);
      return;
    }
    if (n == 0) {
      // EOF: a command without its newline still counts; nothing at all gets no reply.
      if (c.buf.empty()) {
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
        conns_.erase(it);
      } else {
        std::string line = std::move(c.buf);
        finish(fd, handler(line));
      }
      return;
    }
    c.buf.append(buf, static_cast<std::size_t>(n));
    auto nl = c.buf.find('\n');
    if (nl != std::string::npos && nl <= kMaxLineBytes) {
      std::string line = c.buf.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      finish(fd, handler(line));
      return;
    }
    if (c.buf.size() > kMaxLineBytes) {
      finish(fd, errorReply("command longer than " + std::to_string(kMaxLineBytes) + " bytes"));
      return;
    }
  }
}

void TriggerServer::process(const Handler& handler) {
  if (!epoll_.valid()) return;
  epoll_event events[64];
  // A bounded number of rounds: each handles up to 64 ready fds.
  for (int round = 0; round < 8; ++round) {
    int n = ::epoll_wait(epoll_.get(), events, 64, 0);
    if (n <= 0) break;
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listen_.get())
        acceptAll();
      else
        readConn(fd, handler);
    }
    if (n < 64) break;
  }
  auto now = Clock::now();
  std::vector<int> expired;
  for (const auto& [fd, c] : conns_)
    if (c.deadline <= now) expired.push_back(fd);
  for (int fd : expired) finish(fd, errorReply("timed out waiting for a command"));
}

std::chrono::milliseconds TriggerServer::untilNextTimeout() const {
  if (conns_.empty()) return std::chrono::milliseconds::max();
  auto next = Clock::time_point::max();
  for (const auto& [fd, c] : conns_) next = std::min(next, c.deadline);
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
  return std::max(d, std::chrono::milliseconds(0));
}

}  // namespace ibsr::incident
