#include <gtest/gtest.h>

#include "export/s3_client.h"

namespace ibsr::s3 {
namespace {

TEST(Endpoint, DefaultsAndParsing) {
  auto aws = parseEndpoint("", "eu-west-1");
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->scheme, "https");
  EXPECT_EQ(aws->hostPort, "s3.eu-west-1.amazonaws.com");
  auto local = parseEndpoint("http://127.0.0.1:8080/", "us-east-1");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->scheme, "http");
  EXPECT_EQ(local->hostPort, "127.0.0.1:8080");
  EXPECT_FALSE(parseEndpoint("127.0.0.1:8080", "us-east-1").ok());
  EXPECT_FALSE(parseEndpoint("ftp://x", "us-east-1").ok());
  EXPECT_FALSE(parseEndpoint("https://h/base", "us-east-1").ok());
  EXPECT_FALSE(parseEndpoint("https://user:pw@h", "us-east-1").ok());
}

TEST(Endpoint, PathStyleNeeded) {
  EXPECT_TRUE(needsPathStyle({"http", "127.0.0.1:8080"}, "b"));
  EXPECT_TRUE(needsPathStyle({"http", "localhost:9000"}, "b"));
  EXPECT_TRUE(needsPathStyle({"https", "[::1]:9000"}, "b"));
  EXPECT_TRUE(needsPathStyle({"https", "s3.us-east-1.amazonaws.com"}, "my.bucket"));
  EXPECT_FALSE(needsPathStyle({"https", "s3.us-east-1.amazonaws.com"}, "my-bucket"));
  EXPECT_FALSE(needsPathStyle({"http", "minio.internal:9000"}, "my.bucket"));
}

TEST(Target, VirtualHostedAndPathStyle) {
  BucketConfig vh{{"https", "s3.eu-west-1.amazonaws.com"}, "logs", "eu-west-1", false};
  Target t = objectTarget(vh, "ibsr/h 1/snapshots/a+b.jsonl");
  EXPECT_EQ(t.host, "logs.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(t.encodedPath, "/ibsr/h%201/snapshots/a%2Bb.jsonl");
  EXPECT_EQ(t.url, "https://logs.s3.eu-west-1.amazonaws.com/ibsr/h%201/snapshots/a%2Bb.jsonl");
  BucketConfig ps{{"http", "127.0.0.1:8080"}, "logs", "us-east-1", true};
  t = objectTarget(ps, "k/x");
  EXPECT_EQ(t.host, "127.0.0.1:8080");
  EXPECT_EQ(t.encodedPath, "/logs/k/x");
  EXPECT_EQ(t.url, "http://127.0.0.1:8080/logs/k/x");
  t = objectTarget(ps, "");
  EXPECT_EQ(t.encodedPath, "/logs");
  t = objectTarget(vh, "");
  EXPECT_EQ(t.encodedPath, "/");
}

TEST(Xml, TextAndEntities) {
  const std::string err =
      "<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature we calculated does not match</Message></Error>";
  EXPECT_EQ(xmlText(err, "Code"), "SignatureDoesNotMatch");
  EXPECT_EQ(xmlText(err, "Message"), "The request signature we calculated does not match");
  EXPECT_EQ(xmlText(err, "UploadId"), "");
  EXPECT_EQ(xmlText("<ETag>&quot;abc-3&quot;</ETag>", "ETag"), "\"abc-3\"");
  EXPECT_EQ(xmlText("<K>a&amp;lt;b</K>", "K"), "a&lt;b");
}

}  // namespace
}  // namespace ibsr::s3
