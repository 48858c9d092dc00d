#include "incident/trigger_client.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "core/unique_fd.h"

namespace ibsr::incident {
namespace {

using Clock = std::chrono::steady_clock;

// Far more than any reply (a status line is ~150 bytes); a peer that sends more is not ours.
constexpr std::size_t kMaxReplyBytes = 64 * 1024;

Error timedOut(const std::string& path, std::chrono::milliseconds timeout) {
  return plainError(fmt::format("no reply from '{}' within {} ms (record-incident busy or hung?)",
                                path, timeout.count()));
}

Error connectError(const std::string& path, int errnum) {
  if (errnum == ENOENT || errnum == ECONNREFUSED)
    return sysError(fmt::format("no record-incident is listening on '{}'", path), errnum);
  return sysError(fmt::format("cannot connect to '{}'", path), errnum);
}

}  // namespace

Result<std::string> exchangeCommand(const std::string& path, const std::string& request,
                                    std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return plainError(fmt::format("socket path '{}' is empty or longer than {} bytes", path,
                                  sizeof(addr.sun_path) - 1));
  std::memcpy(addr.sun_path, path.data(), path.size());

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sysError("cannot create a Unix socket");
  // A blocking connect and send on a Unix socket wait at most SO_SNDTIMEO (a full accept
  // backlog, a full socket buffer); the read below polls against the same deadline.
  const auto deadline = Clock::now() + timeout;
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
    return sysError("cannot set the socket timeout");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == EAGAIN || errno == EINPROGRESS) return timedOut(path, timeout);
    return connectError(path, errno);
  }

  const std::string line = request + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return timedOut(path, timeout);
    if (n < 0) return sysError(fmt::format("cannot send the command to '{}'", path));
    sent += static_cast<std::size_t>(n);
  }

  std::string reply;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return timedOut(path, timeout);
    pollfd p{fd.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return sysError("poll");
    if (ready == 0) return timedOut(path, timeout);
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError(fmt::format("cannot read the reply from '{}'", path));
    if (n == 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
    if (auto nl = reply.find('\n'); nl != std::string::npos) {
      reply.resize(nl);
      return reply;
    }
    if (reply.size() > kMaxReplyBytes)
      return plainError(
          fmt::format("the reply from '{}' is longer than {} bytes", path, kMaxReplyBytes));
  }
  if (reply.empty())
    return plainError(fmt::format("'{}' closed the connection without a reply", path));
  return reply;  // no newline before EOF: the whole reply
}

}  // namespace ibsr::incident
