// Returns a report set to the customer's bucket the way ibsr-export ships snapshots: one PUT per
// file with Content-MD5 (the server refuses bytes that changed on the way), then a HEAD proves
// size and ETag (the MD5 of what landed). An object already there with the file's size and MD5 is
// not sent again, so a rerun over unchanged data uploads nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "export/s3_client.h"

namespace ibsr::fleet {

struct UploadCount {
  uint64_t uploaded = 0;
  uint64_t skipped = 0;  // already in the bucket with the same MD5
};

// Uploads `files` (names in `dir`) to `keyFolder` + name; stops at the first failure.
Status uploadFolder(s3::S3Client& client, const std::string& dir,
                    const std::vector<std::string>& files, const std::string& keyFolder,
                    UploadCount& count);

}  // namespace ibsr::fleet
