// Where the fleet's exported files live: a bucket (s3://BUCKET/PREFIX, laid out by ibsr-export as
// PREFIX/HOST/KIND/...) or a local directory laid out the same way (a synced bucket). A host is a
// folder HOST/ that has a snapshots/ folder; anything else (the fleet index's _fleet/, stray
// keys) is not a host.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "export/s3_client.h"
#include "fleet/fleet_model.h"

namespace ibsr::fleet {

// The folder, next to the hosts, that holds the fleet index. '_' cannot start a hostname
// (RFC 952), so it never collides with an ibsr-export --host-id that defaults to one.
inline constexpr const char* kFleetFolder = "_fleet";

class FleetStore {
 public:
  virtual ~FleetStore() = default;
  // "s3://bucket/prefix" or the local root, for messages and the index.
  virtual std::string describe() const = 0;
  // Host names, sorted.
  virtual Result<std::vector<std::string>> hosts() = 0;
  // What to give `ibsr-report --input` for exactly this host's snapshots/ tree: a local directory
  // or the host's s3://BUCKET/PREFIX/HOST/snapshots/ folder.
  virtual Result<std::string> snapshots(const std::string& host) = 0;
  // The same for the host's payload/ tree (collect-payload statistics, the report's application
  // layer); nullopt when the host has none. Valid for the hosts hosts() returned.
  virtual Result<std::optional<std::string>> payload(const std::string& host) = 0;
  // The newest heartbeat among the host's status/**/status.jsonl; nullopt when it has none.
  virtual Result<std::optional<Heartbeat>> heartbeat(const std::string& host) = 0;
};

// A local root: ROOT/HOST/snapshots/...
std::unique_ptr<FleetStore> makeLocalStore(std::string root);

struct S3Location {
  std::string bucket;
  std::string prefix;  // without leading or trailing '/'; may be empty
};

// "s3://bucket[/prefix]" -> bucket and prefix; nullopt for anything else.
std::optional<S3Location> parseS3Url(const std::string& url);

// "{prefix}/{name}/" or "{name}/" for an empty prefix.
std::string folderKey(const std::string& prefix, const std::string& name);

// A bucket. Every call makes its own client, so workers never share a connection.
std::unique_ptr<FleetStore> makeS3Store(S3Location location, s3::BucketConfig config,
                                        s3::Credentials credentials, s3::RetryPolicy policy);

// The timestamp of the last complete, parseable line of a status.jsonl's tail.
std::optional<int64_t> lastHeartbeatTs(const std::string& tail);

// How much of the end of a status.jsonl is read: many heartbeat lines, never the whole file.
inline constexpr std::uint64_t kHeartbeatTailBytes = 64 * 1024;

}  // namespace ibsr::fleet
