#include "export/credentials.h"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ibsr::s3 {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string homeDir(EnvLookup env) {
  if (auto h = env("HOME"); h && !h->empty()) return *h;
  // systemd services may run without HOME.
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) {
    return pw->pw_dir;
  }
  return "/";
}

std::optional<IniSections> readIni(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return parseIni(ss.str());
}

std::optional<Credentials> fromSection(const IniSections& ini, const std::string& section,
                                       const std::string& path) {
  auto it = ini.find(section);
  if (it == ini.end()) return std::nullopt;
  const auto& kv = it->second;
  auto id = kv.find("aws_access_key_id");
  auto secret = kv.find("aws_secret_access_key");
  if (id == kv.end() || secret == kv.end() || id->second.empty() || secret->second.empty()) {
    return std::nullopt;
  }
  Credentials c{id->second, secret->second, "", path};
  if (auto tok = kv.find("aws_session_token"); tok != kv.end()) c.sessionToken = tok->second;
  return c;
}

std::string profileName(EnvLookup env) {
  if (auto p = env("AWS_PROFILE"); p && !p->empty()) return *p;
  return "default";
}

std::string configPath(EnvLookup env) {
  if (auto p = env("AWS_CONFIG_FILE"); p && !p->empty()) return *p;
  return homeDir(env) + "/.aws/config";
}

// The config file names profiles "[profile NAME]", except the default one.
std::string configSection(const std::string& profile) {
  return profile == "default" ? profile : "profile " + profile;
}

}  // namespace

IniSections parseIni(std::string_view text) {
  IniSections out;
  std::string section;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      std::size_t close = line.find(']');
      if (close == std::string::npos) continue;  // malformed header: ignore the line
      // Collapse "profile   x" to "profile x" so both files' spellings compare equal.
      std::string name = trim(line.substr(1, close - 1));
      if (name.rfind("profile", 0) == 0 && name.size() > 7 &&
          std::isspace(static_cast<unsigned char>(name[7]))) {
        name = "profile " + trim(name.substr(7));
      }
      section = name;
      out[section];
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    out[section][lower(trim(line.substr(0, eq)))] = trim(line.substr(eq + 1));
  }
  return out;
}

std::optional<std::string> processEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Result<Credentials> resolveCredentials(EnvLookup env) {
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (id && secret && !id->empty() && !secret->empty()) {
    auto token = env("AWS_SESSION_TOKEN");
    return Credentials{*id, *secret, token ? *token : "", "environment"};
  }
  const std::string profile = profileName(env);
  std::string credPath = homeDir(env) + "/.aws/credentials";
  if (auto p = env("AWS_SHARED_CREDENTIALS_FILE"); p && !p->empty()) credPath = *p;
  if (auto ini = readIni(credPath)) {
    if (auto c = fromSection(*ini, profile, credPath)) return *c;
  }
  const std::string cfgPath = configPath(env);
  if (auto ini = readIni(cfgPath)) {
    if (auto c = fromSection(*ini, configSection(profile), cfgPath)) return *c;
  }
  return plainError(
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
      "profile '" +
      profile + "' in " + credPath + " or " + cfgPath);
}

std::string resolveRegion(const std::string& flag, EnvLookup env) {
  if (!flag.empty()) return flag;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto r = env(name); r && !r->empty()) return *r;
  }
  if (auto ini = readIni(configPath(env))) {
    auto it = ini->find(configSection(profileName(env)));
    if (it != ini->end()) {
      if (auto r = it->second.find("region"); r != it->second.end() && !r->second.empty()) {
        return r->second;
      }
    }
  }
  return "us-east-1";
}

}  // namespace ibsr::s3
