// The flags that say where a bucket is: one definition for every command that talks to S3
// (ibsr-export s3, ibsr-report --input s3://, ibsr-report fleet), so their names, help and
// defaults cannot drift apart.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace ibsr::s3 {

// Adds --endpoint, --region and --path-style. `scope` prefixes the help texts ("s3:// inputs: ")
// where the command also works without S3.
void addConnectionFlags(CLI::App& app, std::string& endpoint, std::string& region, bool& pathStyle,
                        std::string_view scope = {});

}  // namespace ibsr::s3
