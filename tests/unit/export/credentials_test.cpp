#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "export/credentials.h"
#include "temp_dir.h"

namespace ibsr::s3 {
namespace {

// The fake environment the resolver sees (EnvLookup is a plain function pointer).
std::map<std::string, std::string> gEnv;
std::optional<std::string> fakeEnv(const char* name) {
  auto it = gEnv.find(name);
  if (it == gEnv.end()) return std::nullopt;
  return it->second;
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / ".aws");
    gEnv = {{"HOME", dir_.string()}};
  }
  void write(const std::string& rel, const std::string& text) {
    ibsr::testing::writeFile(dir_ / rel, text);
  }
  ibsr::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

TEST(ParseIni, SectionsKeysCommentsAndProfilePrefix) {
  auto ini = parseIni(
      "# comment\n[default]\naws_access_key_id = AK1 \n; other comment\nAWS_Secret_Access_Key=SK1\n"
      "[profile   prod]\nregion = eu-west-1\n[broken\nkey=ignored-after-broken-header\n"
      "no equals sign\n");
  ASSERT_EQ(ini.size(), 2u);
  EXPECT_EQ(ini["default"]["aws_access_key_id"], "AK1");
  EXPECT_EQ(ini["default"]["aws_secret_access_key"], "SK1");
  EXPECT_EQ(ini["profile prod"]["region"], "eu-west-1");
  // The line after a malformed header still belongs to the last good section.
  EXPECT_EQ(ini["profile prod"]["key"], "ignored-after-broken-header");
}

TEST_F(CredentialsTest, EnvironmentWins) {
  write(".aws/credentials",
        "[default]\naws_access_key_id=FILE\naws_secret_access_key=FILESECRET\n");
  gEnv["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  gEnv["AWS_SECRET_ACCESS_KEY"] = "ENVSECRET";
  gEnv["AWS_SESSION_TOKEN"] = "TOKEN";
  auto c = resolveCredentials(fakeEnv);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->accessKeyId, "ENVKEY");
  EXPECT_EQ(c->secretAccessKey, "ENVSECRET");
  EXPECT_EQ(c->sessionToken, "TOKEN");
  EXPECT_EQ(c->source, "environment");
}

TEST_F(CredentialsTest, HalfSetEnvironmentFallsBackToFile) {
  write(".aws/credentials",
        "[default]\naws_access_key_id=FILE\naws_secret_access_key=FILESECRET\n");
  gEnv["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  auto c = resolveCredentials(fakeEnv);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->accessKeyId, "FILE");
  EXPECT_EQ(c->secretAccessKey, "FILESECRET");
  EXPECT_EQ(c->sessionToken, "");
  EXPECT_EQ(c->source, (dir_ / ".aws/credentials").string());
}

TEST_F(CredentialsTest, ProfileAndExplicitFile) {
  write("creds",
        "[default]\naws_access_key_id=D\naws_secret_access_key=DS\n"
        "[ibsr]\naws_access_key_id=test:tester\naws_secret_access_key=testing\n"
        "aws_session_token=T\n");
  gEnv["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "creds").string();
  gEnv["AWS_PROFILE"] = "ibsr";
  auto c = resolveCredentials(fakeEnv);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->accessKeyId, "test:tester");
  EXPECT_EQ(c->secretAccessKey, "testing");
  EXPECT_EQ(c->sessionToken, "T");
}

TEST_F(CredentialsTest, ConfigFileProfileSection) {
  write(".aws/config",
        "[profile ibsr]\naws_access_key_id=CFG\naws_secret_access_key=CFGS\nregion=ap-south-1\n");
  gEnv["AWS_PROFILE"] = "ibsr";
  auto c = resolveCredentials(fakeEnv);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->accessKeyId, "CFG");
  EXPECT_EQ(c->source, (dir_ / ".aws/config").string());
  EXPECT_EQ(resolveRegion("", fakeEnv), "ap-south-1");
}

TEST_F(CredentialsTest, MissingEverywhereNamesProfileNotSecrets) {
  write(".aws/credentials", "[other]\naws_access_key_id=X\naws_secret_access_key=SUPERSECRET\n");
  auto c = resolveCredentials(fakeEnv);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("profile 'default'"), std::string::npos);
  EXPECT_EQ(c.error().message.find("SUPERSECRET"), std::string::npos);
}

TEST_F(CredentialsTest, RegionOrder) {
  EXPECT_EQ(resolveRegion("", fakeEnv), "us-east-1");
  gEnv["AWS_DEFAULT_REGION"] = "eu-west-2";
  EXPECT_EQ(resolveRegion("", fakeEnv), "eu-west-2");
  gEnv["AWS_REGION"] = "eu-west-3";
  EXPECT_EQ(resolveRegion("", fakeEnv), "eu-west-3");
  EXPECT_EQ(resolveRegion("us-west-2", fakeEnv), "us-west-2");
}

}  // namespace
}  // namespace ibsr::s3
