// Finds the snapshot and payload objects an `--input s3://BUCKET/KEY` names: KEY ending in '/' (or
// not an object itself) is a folder searched recursively, like a local directory; otherwise the one
// object. With --from/--to, each folder's hourly objects are listed from the first hour on and
// the listing stops after the last, so a year-long bucket is not listed whole.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "report/hour_range.h"
#include "report/input_set.h"
#include "report/s3_source.h"

namespace ibsr::report {

struct S3Url {
  std::string bucket;
  std::string key;  // may be empty (the whole bucket)
};

bool isS3Url(const std::string& input);
Result<S3Url> parseS3Url(const std::string& input);

// Sorted by display name, like a local directory's files. Labels follow the local rule applied to
// the path BUCKET/KEY (docs/report.md, "Reading from S3").
Result<std::vector<InputFile>> findS3Inputs(S3ClientPool& pool, const std::string& input,
                                            const HourRange& range);

}  // namespace ibsr::report
