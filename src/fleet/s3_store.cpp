// The fleet in a bucket, laid out by ibsr-export: PREFIX/HOST/snapshots/..., PREFIX/HOST/status/...
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "fleet/fleet_store.h"

namespace ibsr::fleet {
namespace {

namespace fs = std::filesystem;

// Every page of a listing; `onPage` sees each page's objects and folders.
template <typename OnPage>
Status listAll(s3::S3Client& client, const std::string& prefix, const std::string& delimiter,
               OnPage onPage) {
  return client.listPages({prefix, delimiter, "", 1000}, s3::kMaxListPages,
                          [&](const s3::ListPage& page, std::string&) {
                            onPage(page);
                            return true;
                          });
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
      bool hasSnapshots = false, hasPayload = false;
      st = listAll(client, hostTop, "/", [&](const s3::ListPage& page) {
        for (const std::string& folder : page.commonPrefixes) {
          hasSnapshots = hasSnapshots || folder == hostTop + "snapshots/";
          hasPayload = hasPayload || folder == hostTop + "payload/";
        }
      });
      if (!st.ok()) return st.error();
      if (hasSnapshots) hosts.push_back(name);
      if (hasSnapshots && hasPayload) withPayload_.insert(name);
    }
    std::sort(hosts.begin(), hosts.end());
    return hosts;
  }

  Result<std::string> snapshots(const std::string& host) override {
    // ibsr-report reads the objects itself (ranged GETs, nothing on disk).
    return "s3://" + location_.bucket + "/" + folderKey(location_.prefix, host) + "snapshots/";
  }

  // From the listing hosts() already made of each host's folders: no request of its own.
  Result<std::optional<std::string>> payload(const std::string& host) override {
    if (withPayload_.count(host) == 0) return std::optional<std::string>();
    return std::optional<std::string>("s3://" + location_.bucket + "/" +
                                      folderKey(location_.prefix, host) + "payload/");
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

  S3Location location_;
  std::set<std::string> withPayload_;  // hosts with a payload/ folder, found by hosts()
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
