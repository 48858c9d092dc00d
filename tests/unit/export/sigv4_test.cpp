// SigV4 against published vectors only: AWS's sig-v4 test suite (service "service", 2015-08-30)
// and the worked examples of the S3 SigV4 documentation ("examplebucket", 2013-05-24). Expected
// signatures, string-to-sign hashes and canonical requests are the published ones.
#include <gtest/gtest.h>

#include "export/digest.h"
#include "export/sigv4.h"

namespace ibsr::s3 {
namespace {

constexpr const char* kSuiteKeyId = "AKIDEXAMPLE";
constexpr const char* kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kS3KeyId = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigningScope suiteScope() {
  return {"20150830T123600Z", "us-east-1", "service"};
}
SigningScope s3Scope() {
  return {"20130524T000000Z", "us-east-1", "s3"};
}

NameValues suiteHeaders() {
  return {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
}

struct SuiteCase {
  const char* name;
  const char* method;
  const char* rawPath;  // as in the .req file, before encoding
  NameValues query;
  const char* signature;
};

class AwsSuite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(AwsSuite, SignatureMatchesPublishedValue) {
  const SuiteCase& c = GetParam();
  SigningRequest r{c.method, uriEncode(c.rawPath, false), c.query, suiteHeaders(), kEmpty};
  const Signature s = signV4(r, suiteScope(), kSuiteKeyId, kSuiteSecret);
  EXPECT_EQ(s.signature, c.signature);
  EXPECT_EQ(s.signedHeaders, "host;x-amz-date");
  EXPECT_EQ(s.authorization,
            std::string(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                "SignedHeaders=host;x-amz-date, Signature=") +
                c.signature);
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, AwsSuite,
    ::testing::Values(
        SuiteCase{"get_vanilla",
                  "GET",
                  "/",
                  {},
                  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        SuiteCase{"get_vanilla_query_order_key_case",
                  "GET",
                  "/",
                  {{"Param2", "value2"}, {"Param1", "value1"}},
                  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        SuiteCase{"get_vanilla_empty_query_key",
                  "GET",
                  "/",
                  {{"Param1", "value1"}},
                  "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
        SuiteCase{"get_vanilla_query_unreserved",
                  "GET",
                  "/",
                  {{"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}},
                  "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
        SuiteCase{"get_vanilla_utf8_query",
                  "GET",
                  "/",
                  {{"\xe1\x88\xb4", "bar"}},
                  "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
        SuiteCase{"get_unreserved",
                  "GET",
                  "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                  {},
                  "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
        SuiteCase{"get_utf8",
                  "GET",
                  "/\xe1\x88\xb4",
                  {},
                  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
        SuiteCase{"get_space",
                  "GET",
                  "/example space/",
                  {},
                  "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
        // S3 signs the path as sent: "//example//" is not collapsed (the suite's unnormalized
        // case).
        SuiteCase{"get_slashes_unnormalized",
                  "GET",
                  "//example//",
                  {},
                  "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"}),
    [](const ::testing::TestParamInfo<SuiteCase>& p) { return std::string(p.param.name); });

TEST(SigV4, GetVanillaCanonicalRequest) {
  SigningRequest r{"GET", "/", {}, suiteHeaders(), kEmpty};
  const Signature s = signV4(r, suiteScope(), kSuiteKeyId, kSuiteSecret);
  EXPECT_EQ(s.canonicalRequest,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.stringToSign.substr(0, s.stringToSign.rfind('\n')),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request");
}

TEST(SigV4, PostFormUrlencodedSignsBodyHash) {
  const std::string body = "Param1=value1";
  NameValues headers{{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Host", "example.amazonaws.com"},
                     {"X-Amz-Date", "20150830T123600Z"}};
  SigningRequest r{"POST", "/", {}, headers, sha256Hex(body)};
  const Signature s = signV4(r, suiteScope(), kSuiteKeyId, kSuiteSecret);
  EXPECT_EQ(
      s.canonicalRequest,
      "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
      "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
      "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(s.stringToSign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  EXPECT_EQ(s.signature, "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4, SessionTokenIsSigned) {
  NameValues headers = suiteHeaders();
  headers.emplace_back("X-Amz-Security-Token",
                       "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267");
  SigningRequest r{"GET", "/", {}, headers, kEmpty};
  const Signature s = signV4(r, suiteScope(), kSuiteKeyId, kSuiteSecret);
  EXPECT_EQ(s.signedHeaders, "host;x-amz-date;x-amz-security-token");
  EXPECT_EQ(s.signature, "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
}

// S3 documentation, "Example: GET Object" (Range request, empty-body hash).
TEST(SigV4S3, GetObject) {
  SigningRequest r{"GET",
                   "/test.txt",
                   {},
                   {{"Host", "examplebucket.s3.amazonaws.com"},
                    {"Range", "bytes=0-9"},
                    {"x-amz-content-sha256", kEmpty},
                    {"x-amz-date", "20130524T000000Z"}},
                   kEmpty};
  const Signature s = signV4(r, s3Scope(), kS3KeyId, kS3Secret);
  EXPECT_EQ(
      s.canonicalRequest,
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.stringToSign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// "Example: PUT Object": key "test$file.text" ('$' percent-encoded), body "Welcome to Amazon S3."
TEST(SigV4S3, PutObject) {
  const std::string body = "Welcome to Amazon S3.";
  const std::string hash = sha256Hex(body);
  ASSERT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigningRequest r{"PUT",
                   uriEncode("/test$file.text", false),
                   {},
                   {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                    {"Host", "examplebucket.s3.amazonaws.com"},
                    {"x-amz-content-sha256", hash},
                    {"x-amz-date", "20130524T000000Z"},
                    {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                   hash};
  const Signature s = signV4(r, s3Scope(), kS3KeyId, kS3Secret);
  EXPECT_EQ(
      s.canonicalRequest,
      "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
      "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(s.stringToSign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

NameValues s3BucketHeaders() {
  return {{"Host", "examplebucket.s3.amazonaws.com"},
          {"x-amz-content-sha256", kEmpty},
          {"x-amz-date", "20130524T000000Z"}};
}

// "Example: GET Bucket Lifecycle": a value-less sub-resource signs as "lifecycle=".
TEST(SigV4S3, GetBucketLifecycle) {
  SigningRequest r{"GET", "/", {{"lifecycle", ""}}, s3BucketHeaders(), kEmpty};
  const Signature s = signV4(r, s3Scope(), kS3KeyId, kS3Secret);
  EXPECT_EQ(s.canonicalRequest.substr(0, s.canonicalRequest.find("host:")), "GET\n/\nlifecycle=\n");
  EXPECT_EQ(s.stringToSign.substr(s.stringToSign.rfind('\n') + 1),
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

// "Example: Get Bucket (List Objects)": query parameters sorted.
TEST(SigV4S3, ListObjects) {
  SigningRequest r{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, s3BucketHeaders(), kEmpty};
  const Signature s = signV4(r, s3Scope(), kS3KeyId, kS3Secret);
  EXPECT_EQ(s.canonicalRequest.substr(0, s.canonicalRequest.find("host:")),
            "GET\n/\nmax-keys=2&prefix=J\n");
  EXPECT_EQ(s.stringToSign.substr(s.stringToSign.rfind('\n') + 1),
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// S3 query-string authentication example: the payload is UNSIGNED-PAYLOAD.
TEST(SigV4S3, UnsignedPayloadPresignedGet) {
  SigningRequest r{"GET",
                   "/test.txt",
                   {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
                    {"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"},
                    {"X-Amz-Date", "20130524T000000Z"},
                    {"X-Amz-Expires", "86400"},
                    {"X-Amz-SignedHeaders", "host"}},
                   {{"Host", "examplebucket.s3.amazonaws.com"}},
                   std::string(kUnsignedPayload)};
  const Signature s = signV4(r, s3Scope(), kS3KeyId, kS3Secret);
  EXPECT_EQ(
      s.canonicalRequest,
      "GET\n/"
      "test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524"
      "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
      "X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD");
  EXPECT_EQ(sha256Hex(s.canonicalRequest),
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  EXPECT_EQ(s.signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(UriEncode, KeepsUnreservedAndOptionallySlash) {
  EXPECT_EQ(uriEncode("a-b_c.d~e/f g+h", false), "a-b_c.d~e/f%20g%2Bh");
  EXPECT_EQ(uriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(uriEncode("\xe1\x88\xb4", false), "%E1%88%B4");
  EXPECT_EQ(uriEncode("=&?#%", true), "%3D%26%3F%23%25");
}

TEST(CanonicalHeaders, TrimsCollapsesAndJoinsRepeats) {
  auto [block, names] = canonicalHeaders(
      {{"My-Header1", "  a   b   c  "}, {"Host", "h"}, {"my-header1", "d"}, {"X-Amz-Date", "t"}});
  EXPECT_EQ(block, "host:h\nmy-header1:a b c,d\nx-amz-date:t\n");
  EXPECT_EQ(names, "host;my-header1;x-amz-date");
}

TEST(AmzDate, FormatsUtc) {
  EXPECT_EQ(amzDate(1440938160), "20150830T123600Z");
}

TEST(Digest, KnownValues) {
  EXPECT_EQ(toHex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(toBase64(md5("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(sha256Hex(""), kEmptySha256Hex);
  DualHasher h;
  h.update("Welcome to ", 11);
  h.update("Amazon S3.", 10);
  Md5 m{};
  Sha256 s{};
  h.finish(m, s);
  EXPECT_EQ(toHex(s), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(toHex(m), toHex(md5("Welcome to Amazon S3.")));
}

}  // namespace
}  // namespace ibsr::s3
