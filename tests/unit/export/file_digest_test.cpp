#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.h"
#include "export/file_digest.h"

namespace ibsr::exporter {
namespace {

UniqueFd tempWith(const std::string& text) {
  char name[] = "/tmp/ibsr-digest-XXXXXX";
  UniqueFd fd(::mkstemp(name));
  ::unlink(name);
  EXPECT_EQ(::write(fd.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  return fd;
}

TEST(FileDigest, SinglePartMatchesWholeFile) {
  auto fd = tempWith("Welcome to Amazon S3.");
  auto d = digestFile(fd.get(), 21, 0);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->parts.size(), 1u);
  EXPECT_EQ(s3::toHex(d->sha256),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(d->parts[0].sha256, d->sha256);
  EXPECT_EQ(d->parts[0].md5, d->md5);
  EXPECT_EQ(d->parts[0].length, 21u);
}

TEST(FileDigest, PartsSplitAtPartSize) {
  std::string text(10, 'a');
  text += std::string(10, 'b');
  text += "cc";
  auto fd = tempWith(text);
  auto d = digestFile(fd.get(), text.size(), 10);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->parts.size(), 3u);
  EXPECT_EQ(d->parts[1].offset, 10u);
  EXPECT_EQ(d->parts[2].length, 2u);
  EXPECT_EQ(d->parts[0].md5, s3::md5(std::string(10, 'a')));
  EXPECT_EQ(d->parts[1].sha256, s3::sha256(std::string(10, 'b')));
  EXPECT_EQ(d->parts[2].md5, s3::md5("cc"));
  EXPECT_EQ(d->sha256, s3::sha256(text));
  // S3's multipart ETag: MD5 over the binary part MD5s, then "-<parts>".
  std::string concat;
  for (const auto& p : d->parts) concat.append(reinterpret_cast<const char*>(p.md5.data()), 16);
  EXPECT_EQ(multipartEtag(d->parts), s3::toHex(s3::md5(concat)) + "-3");
}

TEST(FileDigest, EmptyFileIsOneEmptyPart) {
  auto fd = tempWith("");
  auto d = digestFile(fd.get(), 0, 0);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->parts.size(), 1u);
  EXPECT_EQ(s3::toHex(d->md5), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(FileDigest, ShortFileIsAnError) {
  auto fd = tempWith("abc");
  auto d = digestFile(fd.get(), 10, 0);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "file shrank while being read");
}

TEST(PartHasher, SameDigestsAsOnePassInOrder) {
  std::string text;
  for (int i = 0; i < 2500; ++i) text += static_cast<char>('a' + i % 26);
  auto fd = tempWith(text);
  auto oneShot = digestFile(fd.get(), text.size(), 1000);
  ASSERT_TRUE(oneShot.ok());
  PartHasher hasher(fd.get(), text.size(), 1000, {1, 1, true, true});
  std::vector<PartDigest> got;
  for (;;) {
    auto next = hasher.next();
    ASSERT_TRUE(next.ok()) << next.error().message;
    if (!next.value()) break;
    got.push_back(*next.value());
  }
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, oneShot->parts[i].offset);
    EXPECT_EQ(got[i].length, oneShot->parts[i].length);
    EXPECT_EQ(got[i].md5, oneShot->parts[i].md5);
    EXPECT_EQ(got[i].sha256, oneShot->parts[i].sha256);
  }
  EXPECT_EQ(got[2].length, 500u);
  EXPECT_EQ(multipartEtag(got), multipartEtag(oneShot->parts));
  EXPECT_EQ(hasher.wholeSha256().value(), s3::sha256(text));
}

// Three senders take parts at once, as the multipart upload's connections do; every part comes
// out once, each sender's in file order, with the digests of one pass in order.
void expectEveryPartOnceInOrder(bool multiBuffer) {
  std::string text;
  for (int i = 0; i < 37 * 1000 + 123; ++i) text += static_cast<char>('a' + (i * 7) % 26);
  auto fd = tempWith(text);
  auto oneShot = digestFile(fd.get(), text.size(), 1000);
  ASSERT_TRUE(oneShot.ok());
  ASSERT_EQ(oneShot->parts.size(), 38u);
  // 38 parts: five batches of lanes, the last one short.
  PartHasher hasher(fd.get(), text.size(), 1000, {4, 3, false, multiBuffer});
  std::vector<std::vector<PartDigest>> perSender(3);
  std::vector<std::thread> senders;
  for (auto& mine : perSender) {
    senders.emplace_back([&hasher, &mine] {
      for (;;) {
        auto next = hasher.next();
        if (!next.ok() || !next.value()) return;
        mine.push_back(*next.value());
      }
    });
  }
  for (std::thread& t : senders) t.join();
  std::vector<PartDigest> got;
  for (const auto& mine : perSender) {
    // Each sender sees its parts in file order.
    for (std::size_t i = 1; i < mine.size(); ++i) EXPECT_LT(mine[i - 1].offset, mine[i].offset);
    got.insert(got.end(), mine.begin(), mine.end());
  }
  std::sort(got.begin(), got.end(),
            [](const PartDigest& a, const PartDigest& b) { return a.offset < b.offset; });
  ASSERT_EQ(got.size(), oneShot->parts.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, oneShot->parts[i].offset);
    EXPECT_EQ(got[i].length, oneShot->parts[i].length);
    EXPECT_EQ(got[i].md5, oneShot->parts[i].md5);
    EXPECT_EQ(got[i].sha256, s3::Sha256{});  // MD5 only: the parts go as UNSIGNED-PAYLOAD
  }
  EXPECT_EQ(multipartEtag(got), multipartEtag(oneShot->parts));
  auto whole = hasher.wholeSha256();
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, s3::sha256(text));
  EXPECT_EQ(*whole, oneShot->sha256);
}

TEST(PartHasher, ParallelHashingHandsOutEveryPartOnceInOrder) {
  expectEveryPartOnceInOrder(false);
}

TEST(PartHasher, LanesHandOutEveryPartOnceInOrder) {
  expectEveryPartOnceInOrder(true);
}

TEST(PartHasher, LanesReportShortFileAfterTheGoodParts) {
  // Parts 0-7 are one batch of lanes: part 0 is whole, part 1 is cut, 2-7 are missing.
  auto fd = tempWith(std::string(1500, 'x'));
  PartHasher hasher(fd.get(), 25000, 1000, {1, 2, false, true});
  auto first = hasher.next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first.value().has_value());
  EXPECT_EQ(first.value()->md5, s3::md5(std::string(1000, 'x')));
  auto second = hasher.next();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "file shrank while being read");
  EXPECT_FALSE(hasher.next().ok());
}

TEST(PartHasher, LanesStopCleanlyWhenAbandoned) {
  auto fd = tempWith(std::string(100000, 'y'));
  PartHasher hasher(fd.get(), 100000, 100, {1, 2, false, true});  // 1000 parts; one taken
  auto first = hasher.next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value()->md5, s3::md5(std::string(100, 'y')));
}

TEST(PartHasher, ReportsShortFileAfterTheGoodParts) {
  auto fd = tempWith(std::string(1500, 'x'));
  PartHasher hasher(fd.get(), 2500, 1000, {3, 3, true, true});
  auto first = hasher.next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first.value().has_value());
  EXPECT_EQ(first.value()->md5, s3::md5(std::string(1000, 'x')));
  auto second = hasher.next();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "file shrank while being read");
  EXPECT_FALSE(hasher.next().ok());  // every later sender gets the error too
  auto whole = hasher.wholeSha256();
  ASSERT_FALSE(whole.ok());
  EXPECT_EQ(whole.error().message, "file shrank while being read");
}

TEST(PartHasher, StopsCleanlyWhenAbandoned) {
  auto fd = tempWith(std::string(10000, 'y'));
  PartHasher hasher(fd.get(), 10000, 100,
                    {4, 2, true, true});  // 100 parts; one taken, then it ends
  auto first = hasher.next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value()->length, 100u);
}

TEST(CompleteLines, StopsAtLastNewline) {
  const std::string text = "{\"a\":1}\n{\"b\":2}\n{\"c\":";
  ASSERT_EQ(text.size(), 21u);
  auto fd = tempWith(text);
  auto n = completeLinesLength(fd.get(), text.size());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 16u);
  auto none = tempWith("partial");
  EXPECT_EQ(completeLinesLength(none.get(), 7).value(), 0u);
  std::string big(100000, 'x');
  big[3] = '\n';
  auto far = tempWith(big);  // newline beyond the first 64 KiB block from the end
  EXPECT_EQ(completeLinesLength(far.get(), big.size()).value(), 4u);
}

TEST(FileDigest, Md5EtagShape) {
  EXPECT_TRUE(isMd5Etag("d41d8cd98f00b204e9800998ecf8427e"));
  EXPECT_TRUE(isMd5Etag("d41d8cd98f00b204e9800998ecf8427e-12"));
  EXPECT_FALSE(isMd5Etag(""));
  EXPECT_FALSE(isMd5Etag("d41d8cd98f00b204e9800998ecf8427"));    // 31 digits
  EXPECT_FALSE(isMd5Etag("D41D8CD98F00B204E9800998ECF8427E"));   // S3 answers lowercase
  EXPECT_FALSE(isMd5Etag("d41d8cd98f00b204e9800998ecf8427e-"));  // no part count
  EXPECT_FALSE(isMd5Etag("d41d8cd98f00b204e9800998ecf8427e-1x"));
  EXPECT_FALSE(isMd5Etag("d41d8cd98f00b204e9800998ecf8427e0"));  // 33 digits
  EXPECT_FALSE(isMd5Etag("tx1a2b3c-kms-opaque-etag-value-0000"));
}

}  // namespace
}  // namespace ibsr::exporter
