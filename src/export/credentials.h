// AWS credentials and region, resolved the way the AWS CLI does for the sources we support:
// environment variables first, then the shared credentials file, then the shared config file.
// The secret and session token never leave this struct except to sign requests: nothing here
// formats them into messages.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ibsr::s3 {

struct Credentials {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string sessionToken;  // empty unless temporary credentials
  std::string source;        // where they came from, for messages ("environment", a file path)
};

// One INI file: section name -> (key -> value). Keys are lower-cased; '#' and ';' start comments.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
IniSections parseIni(std::string_view text);

// Environment lookup, injectable for tests.
using EnvLookup = std::optional<std::string> (*)(const char* name);
std::optional<std::string> processEnv(const char* name);

// Environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then profile
// AWS_PROFILE (default "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), then the
// same profile in AWS_CONFIG_FILE (~/.aws/config, section "[profile NAME]" or "[default]").
Result<Credentials> resolveCredentials(EnvLookup env = processEnv);

// --region if given, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region in the config
// file, else us-east-1.
std::string resolveRegion(const std::string& flag, EnvLookup env = processEnv);

}  // namespace ibsr::s3
