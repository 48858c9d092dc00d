// A local directory laid out like the bucket (an analyst's synced copy): ROOT/HOST/snapshots/...
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/unique_fd.h"
#include "fleet/fleet_store.h"

namespace ibsr::fleet {
namespace {

namespace fs = std::filesystem;

// The last kHeartbeatTailBytes of a file.
Result<std::string> readTail(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sysError("cannot open '" + path.string() + "'");
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size < 0) return sysError("cannot read '" + path.string() + "'");
  off_t from = std::max<off_t>(0, size - off_t(kHeartbeatTailBytes));
  std::string tail(size_t(size - from), '\0');
  size_t done = 0;
  while (done < tail.size()) {
    ssize_t n = ::pread(fd.get(), tail.data() + done, tail.size() - done, from + off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("cannot read '" + path.string() + "'");
    if (n == 0) break;
    done += size_t(n);
  }
  tail.resize(done);
  return tail;
}

class LocalStore final : public FleetStore {
 public:
  explicit LocalStore(std::string root) : root_(std::move(root)) {}

  std::string describe() const override { return root_; }

  Result<std::vector<std::string>> hosts() override {
    std::error_code ec;
    std::vector<std::string> names;
    fs::directory_iterator it(root_, ec), end;
    if (ec) return plainError("cannot list '" + root_ + "': " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return plainError("cannot list '" + root_ + "': " + ec.message());
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.' || name == kFleetFolder) continue;
      if (fs::is_directory(it->path() / "snapshots", ec)) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<std::string> snapshots(const std::string& host) override {
    return (fs::path(root_) / host / "snapshots").string();
  }

  Result<std::optional<std::string>> payload(const std::string& host) override {
    const fs::path dir = fs::path(root_) / host / "payload";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return std::optional<std::string>();
    return std::optional<std::string>(dir.string());
  }

  Result<std::optional<Heartbeat>> heartbeat(const std::string& host) override {
    const fs::path hostDir = fs::path(root_) / host;
    std::optional<Heartbeat> newest;
    std::error_code ec;
    if (!fs::is_directory(hostDir / "status", ec)) return newest;
    fs::recursive_directory_iterator it(hostDir / "status", ec), end;
    if (ec)
      return plainError("cannot list '" + (hostDir / "status").string() + "': " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec)
        return plainError("cannot list '" + (hostDir / "status").string() + "': " + ec.message());
      if (it->path().filename() != "status.jsonl" || !it->is_regular_file()) continue;
      auto tail = readTail(it->path());
      if (!tail.ok()) return tail.error();
      auto ts = lastHeartbeatTs(*tail);
      if (ts && (!newest || *ts > newest->lastTs))
        newest = Heartbeat{fs::relative(it->path(), hostDir).string(), *ts};
    }
    return newest;
  }

 private:
  std::string root_;
};

}  // namespace

std::unique_ptr<FleetStore> makeLocalStore(std::string root) {
  return std::make_unique<LocalStore>(std::move(root));
}

}  // namespace ibsr::fleet
