// Reading snapshot objects straight from S3 (or an S3-compatible store) with the exporter's client:
// an object is fetched in ranged chunks, the next one while the current one is parsed, so memory
// holds two chunks per open object whatever the object's size, and nothing touches the disk.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "export/s3_client.h"
#include "report/byte_source.h"

namespace ibsr::report {

// The S3 flags, spelled and resolved as ibsr-export does.
struct S3Settings {
  std::string endpoint;  // --endpoint, empty: AWS for the region
  std::string region;    // --region, empty: AWS_REGION, ... us-east-1
  bool pathStyle = false;
  size_t chunkBytes = size_t(8) << 20;
  bool prefetch = true;
};

// Clients by bucket, kept between objects so their connections stay alive.
class S3ClientPool {
 public:
  // Resolves region, endpoint and credentials once. The error says which of them failed.
  static Result<std::unique_ptr<S3ClientPool>> create(const S3Settings& settings);

  std::unique_ptr<s3::S3Client> acquire(const std::string& bucket);
  void release(std::unique_ptr<s3::S3Client> client);
  const S3Settings& settings() const { return settings_; }
  // Requests and retries over every client, for the -v summary.
  uint64_t retries() const;
  uint64_t requests() const;

 private:
  S3ClientPool(S3Settings settings, s3::Endpoint endpoint, std::string region,
               s3::Credentials credentials);
  template <typename Count>
  uint64_t total(Count count) const;
  S3Settings settings_;
  s3::Endpoint endpoint_;
  std::string region_;
  s3::Credentials credentials_;
  std::map<std::string, std::vector<std::unique_ptr<s3::S3Client>>> idle_;
  std::vector<const s3::S3Client*> live_;
};

struct S3Object {
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  std::string etag;  // the listed version: a replaced object fails the read (HTTP 412)
};

// Where the next chunk starts and how long it is, given what was fetched so far.
struct ChunkPlan {
  uint64_t offset = 0;
  uint64_t length = 0;  // 0: the object is done
};
ChunkPlan nextChunk(uint64_t objectSize, uint64_t fetched, uint64_t chunkBytes);

class S3ObjectSource : public ByteSource {
 public:
  S3ObjectSource(S3ClientPool& pool, S3Object object);
  ~S3ObjectSource() override;
  Result<size_t> read(char* dst, size_t n) override;

 private:
  struct Chunk {
    std::vector<char> data;
    Status status;
  };
  Chunk fetch(ChunkPlan plan);
  void startFetch();

  S3ClientPool& pool_;
  S3Object object_;
  std::unique_ptr<s3::S3Client> client_;
  uint64_t requested_ = 0;  // bytes asked for so far (fetched or in flight)
  Chunk current_;
  size_t pos_ = 0;
  std::future<Chunk> pending_;
  std::atomic<bool> cancel_{false};
};

}  // namespace ibsr::report
