// The fleet in a bucket, laid out by ibsr-export: PREFIX/HOST/snapshots/..., PREFIX/HOST/status/...
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/unique_fd.h"
#include "fleet/fleet_store.h"

namespace ibsr::fleet {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxPages = 100000;  // 100 M keys: bounds a listing of a misbehaving server

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Only what ibsr-report reads is downloaded (its own file pattern decides what it opens).
bool isSnapshotName(const std::string& name) {
  return name.rfind("snapshot", 0) == 0 &&
         (endsWith(name, ".jsonl") || endsWith(name, ".jsonl.gz") || endsWith(name, ".jsonl.zst"));
}

// Every page of a listing; `onPage` sees each page's objects and folders.
template <typename OnPage>
Status listAll(s3::S3Client& client, const std::string& prefix, const std::string& delimiter,
               OnPage onPage) {
  s3::ListRequest request{prefix, delimiter, "", 1000};
  for (int page = 0; page < kMaxPages; ++page) {
    auto result = client.listPage(request);
    if (!result.ok()) return result.error();
    onPage(*result);
    if (!result->truncated) return {};
    std::string next = result->nextMarker;
    if (next.empty() && !result->objects.empty()) next = result->objects.back().first;
    if (next.empty() && !result->commonPrefixes.empty()) next = result->commonPrefixes.back();
    if (next.empty() || next <= request.marker)
      return plainError("list s3://" + client.config().bucket + "/" + prefix +
                        ": truncated page without a next marker");
    request.marker = next;
  }
  return plainError("list s3://" + client.config().bucket + "/" + prefix + ": too many pages");
}

Status writeAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("cannot write '" + path + "'");
    data += n;
    size -= size_t(n);
  }
  return {};
}

class S3Store final : public FleetStore {
 public:
  S3Store(S3Location location, s3::BucketConfig config, s3::Credentials credentials,
          s3::RetryPolicy policy)
      : location_(std::move(location)),
        config_(std::move(config)),
        credentials_(std::move(credentials)),
        policy_(policy) {}

  std::string describe() const override {
    return "s3://" + location_.bucket + (location_.prefix.empty() ? "" : "/" + location_.prefix);
  }

  Result<std::vector<std::string>> hosts() override {
    s3::S3Client client = makeClient();
    const std::string top = location_.prefix.empty() ? "" : location_.prefix + "/";
    std::vector<std::string> candidates;
    Status st = listAll(client, top, "/", [&](const s3::ListPage& page) {
      for (const std::string& folder : page.commonPrefixes) {
        std::string name = folder.substr(top.size());
        if (!name.empty() && name.back() == '/') name.pop_back();
        if (!name.empty() && name != kFleetFolder) candidates.push_back(name);
      }
    });
    if (!st.ok()) return st.error();
    std::vector<std::string> hosts;
    for (const std::string& name : candidates) {
      const std::string hostTop = folderKey(location_.prefix, name);
      bool hasSnapshots = false;
      st = listAll(client, hostTop, "/", [&](const s3::ListPage& page) {
        for (const std::string& folder : page.commonPrefixes)
          hasSnapshots = hasSnapshots || folder == hostTop + "snapshots/";
      });
      if (!st.ok()) return st.error();
      if (hasSnapshots) hosts.push_back(name);
    }
    std::sort(hosts.begin(), hosts.end());
    return hosts;
  }

  Result<std::string> snapshots(const std::string& host, const std::string& scratch) override {
    s3::S3Client client = makeClient();
    const std::string top = folderKey(location_.prefix, host) + "snapshots/";
    std::vector<std::pair<std::string, s3::ObjectInfo>> objects;
    Status st = listAll(client, top, "", [&](const s3::ListPage& page) {
      for (const auto& object : page.objects)
        if (isSnapshotName(fs::path(object.first).filename().string())) objects.push_back(object);
    });
    if (!st.ok()) return st.error();
    const fs::path root = fs::path(scratch) / host / "snapshots";
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) return plainError("cannot create '" + root.string() + "': " + ec.message());
    for (const auto& [key, info] : objects) {
      const fs::path relative = fs::path(key.substr(top.size())).lexically_normal();
      if (relative.empty() || relative.is_absolute() || *relative.begin() == "..")
        return plainError("s3://" + location_.bucket + "/" + key + ": key leaves its host folder");
      if (Status got = download(client, key, info, root / relative); !got.ok()) return got.error();
    }
    return root.string();
  }

  Result<std::optional<Heartbeat>> heartbeat(const std::string& host) override {
    s3::S3Client client = makeClient();
    const std::string hostTop = folderKey(location_.prefix, host);
    std::vector<std::pair<std::string, s3::ObjectInfo>> files;
    Status st = listAll(client, hostTop + "status/", "", [&](const s3::ListPage& page) {
      for (const auto& object : page.objects)
        if (fs::path(object.first).filename() == "status.jsonl") files.push_back(object);
    });
    if (!st.ok()) return st.error();
    std::optional<Heartbeat> newest;
    for (const auto& [key, info] : files) {
      const std::uint64_t length = std::min(info.size, kHeartbeatTailBytes);
      std::string tail;
      Status got = client.getObject(
          key, info.size - length, length,
          [&](const char* data, std::size_t size) {
            tail.append(data, size);
            return true;
          },
          info.etag);
      if (!got.ok()) return got.error();
      auto ts = lastHeartbeatTs(tail);
      if (ts && (!newest || *ts > newest->lastTs))
        newest = Heartbeat{key.substr(hostTop.size()), *ts};
    }
    return newest;
  }

 private:
  s3::S3Client makeClient() const { return s3::S3Client(config_, credentials_, policy_); }

  Status download(s3::S3Client& client, const std::string& key, const s3::ObjectInfo& info,
                  const fs::path& path) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec)
      return plainError("cannot create '" + path.parent_path().string() + "': " + ec.message());
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return sysError("cannot create '" + path.string() + "'");
    Status written;
    Status got = client.getObject(
        key, 0, info.size,
        [&](const char* data, std::size_t size) {
          written = writeAll(fd.get(), data, size, path.string());
          return written.ok();
        },
        info.etag);
    if (!written.ok()) return written;
    return got;
  }

  S3Location location_;
  s3::BucketConfig config_;
  s3::Credentials credentials_;
  s3::RetryPolicy policy_;
};

}  // namespace

std::optional<S3Location> parseS3Url(const std::string& url) {
  const std::string scheme = "s3://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  S3Location location{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash)};
  if (location.bucket.empty()) return std::nullopt;
  while (!location.prefix.empty() && location.prefix.front() == '/') location.prefix.erase(0, 1);
  while (!location.prefix.empty() && location.prefix.back() == '/') location.prefix.pop_back();
  return location;
}

std::string folderKey(const std::string& prefix, const std::string& name) {
  return (prefix.empty() ? "" : prefix + "/") + name + "/";
}

std::unique_ptr<FleetStore> makeS3Store(S3Location location, s3::BucketConfig config,
                                        s3::Credentials credentials, s3::RetryPolicy policy) {
  return std::make_unique<S3Store>(std::move(location), std::move(config), std::move(credentials),
                                   policy);
}

}  // namespace ibsr::fleet
