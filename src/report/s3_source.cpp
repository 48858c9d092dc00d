#include "report/s3_source.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/log.h"

namespace ibsr::report {

Result<std::unique_ptr<S3ClientPool>> S3ClientPool::create(const S3Settings& settings) {
  const std::string region = s3::resolveRegion(settings.region);
  auto endpoint = s3::parseEndpoint(settings.endpoint, region);
  if (!endpoint.ok()) return plainError("--endpoint: " + endpoint.error().message);
  auto creds = s3::resolveCredentials();
  if (!creds.ok()) return creds.error();
  log::info("S3: credentials from {}; endpoint {}://{}, region {}", creds->source, endpoint->scheme,
            endpoint->hostPort, region);
  return std::unique_ptr<S3ClientPool>(
      new S3ClientPool(settings, *endpoint, region, std::move(creds.value())));
}

S3ClientPool::S3ClientPool(S3Settings settings, s3::Endpoint endpoint, std::string region,
                           s3::Credentials credentials)
    : settings_(std::move(settings)),
      endpoint_(std::move(endpoint)),
      region_(std::move(region)),
      credentials_(std::move(credentials)) {
  s3::httpGlobalInit();
}

std::unique_ptr<s3::S3Client> S3ClientPool::acquire(const std::string& bucket) {
  auto& idle = idle_[bucket];
  std::unique_ptr<s3::S3Client> client;
  if (!idle.empty()) {
    client = std::move(idle.back());
    idle.pop_back();
  } else {
    s3::BucketConfig config{endpoint_, bucket, region_,
                            settings_.pathStyle || s3::needsPathStyle(endpoint_, bucket)};
    client = std::make_unique<s3::S3Client>(config, credentials_, s3::RetryPolicy{});
  }
  live_.push_back(client.get());
  return client;
}

void S3ClientPool::release(std::unique_ptr<s3::S3Client> client) {
  if (!client) return;
  live_.erase(std::remove(live_.begin(), live_.end(), client.get()), live_.end());
  idle_[client->config().bucket].push_back(std::move(client));
}

template <typename Count>
uint64_t S3ClientPool::total(Count count) const {
  uint64_t n = 0;
  for (const auto& [bucket, clients] : idle_)
    for (const auto& c : clients) n += count(*c);
  for (const s3::S3Client* c : live_) n += count(*c);
  return n;
}

uint64_t S3ClientPool::requests() const {
  return total([](const s3::S3Client& c) { return c.requests(); });
}

uint64_t S3ClientPool::retries() const {
  return total([](const s3::S3Client& c) { return c.retries(); });
}

ChunkPlan nextChunk(uint64_t objectSize, uint64_t fetched, uint64_t chunkBytes) {
  if (fetched >= objectSize || chunkBytes == 0) return {fetched, 0};
  return {fetched, std::min(chunkBytes, objectSize - fetched)};
}

S3ObjectSource::S3ObjectSource(S3ClientPool& pool, S3Object object)
    : pool_(pool), object_(std::move(object)), client_(pool.acquire(object_.bucket)) {}

S3ObjectSource::~S3ObjectSource() {
  // A chunk still in flight is abandoned (the sink refuses more bytes), not downloaded to the end.
  cancel_ = true;
  if (pending_.valid()) pending_.wait();
  pool_.release(std::move(client_));
}

S3ObjectSource::Chunk S3ObjectSource::fetch(ChunkPlan plan) {
  Chunk chunk;
  chunk.data.reserve(plan.length);
  chunk.status = client_->getObject(
      object_.key, plan.offset, plan.length,
      [&](const char* data, size_t n) {
        if (cancel_) return false;
        chunk.data.insert(chunk.data.end(), data, data + n);
        return true;
      },
      object_.etag);
  if (!chunk.status.ok() && chunk.status.error().message.find("HTTP 412") != std::string::npos) {
    chunk.status = plainError(fmt::format(
        "s3://{}/{} changed while it was being read (its ETag is no longer {}); rerun the report",
        object_.bucket, object_.key, object_.etag));
  }
  return chunk;
}

// One request in flight at a time per object: the client (one connection) is never shared.
void S3ObjectSource::startFetch() {
  const ChunkPlan plan = nextChunk(object_.size, requested_, pool_.settings().chunkBytes);
  if (plan.length == 0) return;
  requested_ += plan.length;
  pending_ = std::async(std::launch::async, [this, plan] { return fetch(plan); });
}

Result<size_t> S3ObjectSource::read(char* dst, size_t n) {
  if (pos_ == current_.data.size()) {
    if (!pending_.valid()) startFetch();
    if (!pending_.valid()) return size_t(0);
    current_ = pending_.get();
    pos_ = 0;
    if (!current_.status.ok()) return current_.status.error();
    if (pool_.settings().prefetch) startFetch();
    if (current_.data.empty()) return size_t(0);
  }
  const size_t take = std::min(n, current_.data.size() - pos_);
  std::memcpy(dst, current_.data.data() + pos_, take);
  pos_ += take;
  return take;
}

}  // namespace ibsr::report
