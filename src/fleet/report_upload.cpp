#include "fleet/report_upload.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "core/unique_fd.h"
#include "export/file_digest.h"

namespace ibsr::fleet {
namespace {

// Report files are small (a few MB at most): one PUT each, never multipart, so the ETag is the
// plain MD5 of the bytes.
Status uploadOne(s3::S3Client& client, const std::string& path, const std::string& key,
                 UploadCount& count) {
  const std::string where = "s3://" + client.config().bucket + "/" + key;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sysError("cannot open '" + path + "'");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sysError("cannot stat '" + path + "'");
  auto digest = exporter::digestFile(fd.get(), uint64_t(st.st_size), 0);
  if (!digest.ok()) return digest.error();
  const std::string md5 = s3::toHex(digest->md5);
  auto landed = [&](const std::optional<s3::ObjectInfo>& info) {
    return info && info->size == digest->length && info->etag == md5;
  };

  auto before = client.headObject(key);
  if (!before.ok()) return before.error();
  if (landed(*before)) {
    ++count.skipped;
    return {};
  }
  s3::BodyRange body{fd.get(), 0, digest->length, digest->md5, digest->sha256};
  auto put = client.putObject(key, body, {{"ibsr-sha256", s3::toHex(digest->sha256)}});
  if (!put.ok()) return put.error();
  auto after = client.headObject(key);
  if (!after.ok()) return plainError(where + ": verification failed: " + after.error().message);
  if (!landed(*after))
    return plainError(
        fmt::format("{}: verification failed: the object is not the {} bytes with "
                    "MD5 {} that were sent",
                    where, digest->length, md5));
  ++count.uploaded;
  return {};
}

}  // namespace

Status uploadFolder(s3::S3Client& client, const std::string& dir,
                    const std::vector<std::string>& files, const std::string& keyFolder,
                    UploadCount& count) {
  for (const std::string& name : files)
    if (Status st = uploadOne(client, dir + "/" + name, keyFolder + name, count); !st.ok())
      return st;
  return {};
}

}  // namespace ibsr::fleet
