// The canonical parser fed piece by piece through LineReader: exact results whatever the piece
// boundaries, and every line it does not take (not canonical, truncated, over the cap) handed
// over whole and byte for byte as the reader alone would return it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "report/canonical_parser.h"
#include "report/line_reader.h"
#include "report/snapshot_parser.h"

namespace ibsr::report {
namespace {

// Hands out the input in pieces of the given sizes (the last size repeats).
class PieceSource : public ByteSource {
 public:
  PieceSource(std::string data, std::vector<size_t> pieces)
      : data_(std::move(data)), pieces_(std::move(pieces)) {}
  Result<size_t> read(char* dst, size_t n) override {
    size_t piece = pieces_[std::min(next_, pieces_.size() - 1)];
    ++next_;
    size_t k = std::min({n, piece, data_.size() - pos_});
    std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  std::vector<size_t> pieces_;
  size_t next_ = 0;
  size_t pos_ = 0;
};

// What the reader returned for one line: the snapshot the consumer parsed, or the line itself.
struct Got {
  bool consumed = false;
  bool oversized = false;
  bool noNewline = false;
  uint64_t number = 0;
  std::string text;  // the line, when not consumed
  Snapshot snap;     // when consumed
};

std::vector<Got> readAll(const std::string& data, std::vector<size_t> pieces, bool stream,
                         size_t cap = 1 << 20) {
  LineReader r(cap);
  EXPECT_TRUE(r.open(std::make_unique<PieceSource>(data, std::move(pieces)), "x.jsonl").ok());
  CanonicalLineParser canonical;
  Snapshot snap;
  canonical.target(snap);
  std::vector<Got> out;
  Line l;
  for (;;) {
    auto more = r.next(l, stream ? &canonical : nullptr);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    Got g;
    g.consumed = l.consumed;
    g.oversized = l.oversized;
    g.noNewline = l.lastWithoutNewline;
    g.number = l.number;
    if (l.consumed) {
      g.snap = snap;
    } else {
      EXPECT_GE(l.capacity, l.size + simdjson::SIMDJSON_PADDING);
      g.text.assign(l.data, l.size);
    }
    out.push_back(std::move(g));
  }
  return out;
}

Snapshot general(const std::string& line) {
  SnapshotParser parser;
  std::string padded = line + std::string(simdjson::SIMDJSON_PADDING, '\0');
  Snapshot s;
  EXPECT_EQ(parser.parseGeneral(padded.data(), line.size(), padded.size(), s), ParseStatus::Ok)
      << parser.error();
  return s;
}

void expectSame(const Snapshot& a, const Snapshot& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.ts, b.ts);
  EXPECT_EQ(a.dstPorts, b.dstPorts);
  ASSERT_EQ(a.buckets.size(), b.buckets.size());
  for (size_t i = 0; i < a.buckets.size(); ++i) {
    const Counters& x = a.buckets[i].counters;
    const Counters& y = b.buckets[i].counters;
    EXPECT_EQ(a.buckets[i].key, b.buckets[i].key);
    EXPECT_EQ(std::make_tuple(x.syn, x.ack, x.handshakeAck, x.rst, x.packets, x.bytes),
              std::make_tuple(y.syn, y.ack, y.handshakeAck, y.rst, y.packets, y.bytes));
  }
}

const std::string kLine =
    "{\"version\":3,\"ts_unix_sec\":1736935260,\"dst_ports\":[22,8899],\"buckets\":["
    "{\"key_type\":\"src_ip\",\"key_value\":0,\"dst_port\":22,\"syn\":0,\"ack\":1,"
    "\"handshake_ack\":10,\"rst\":0,\"packets\":18446744073709551615,\"bytes\":1234567890123},"
    "{\"key_type\":\"src_ip\",\"key_value\":167772192,\"dst_port\":8899,\"syn\":32,\"ack\":128,"
    "\"handshake_ack\":32,\"rst\":1,\"packets\":160,\"bytes\":19200},"
    "{\"key_type\":\"src_ip\",\"key_value\":4294967295,\"dst_port\":65535,\"syn\":9,\"ack\":99,"
    "\"handshake_ack\":999,\"rst\":9999,\"packets\":99999,\"bytes\":12345678901234567}]}";

TEST(ReportCanonicalStream, SplitAtEveryByteGivesTheSameSnapshot) {
  const Snapshot want = general(kLine);
  ASSERT_EQ(want.buckets.size(), 3u);
  const std::string data = kLine + "\n" + kLine + "\n";
  for (size_t split = 0; split <= data.size(); ++split) {
    auto got = readAll(data, {split == 0 ? 1 : split, data.size()}, true);
    ASSERT_EQ(got.size(), 2u) << split;
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_TRUE(got[i].consumed) << split;
      EXPECT_EQ(got[i].number, i + 1);
      EXPECT_FALSE(got[i].noNewline);
      expectSame(got[i].snap, want);
    }
  }
  for (size_t piece : {1, 2, 3, 7, 64, 100}) {
    auto got = readAll(data + kLine, {piece}, true);  // the last line without its newline
    ASSERT_EQ(got.size(), 3u) << piece;
    for (const Got& g : got) {
      EXPECT_TRUE(g.consumed) << piece;
      expectSame(g.snap, want);
    }
    EXPECT_TRUE(got[2].noNewline);
  }
}

TEST(ReportCanonicalStream, EmptyBucketsAndPorts) {
  const std::string line = "{\"version\":3,\"ts_unix_sec\":0,\"dst_ports\":[],\"buckets\":[]}";
  for (size_t piece : {1, 5, 1000}) {
    auto got = readAll(line + "\n", {piece}, true);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].consumed);
    expectSame(got[0].snap, general(line));
  }
}

// A line that stops being canonical at any byte comes back whole, exactly as read.
TEST(ReportCanonicalStream, NonCanonicalAtAnyByteIsReturnedWhole) {
  for (size_t at = 0; at <= kLine.size(); ++at) {
    for (const char* insert : {" ", "x", "\r", "}"}) {
      std::string bad = kLine;
      bad.insert(at, insert);
      const std::string data = "\n" + bad + "\n" + kLine + "\n";
      for (size_t piece : {size_t(1), size_t(13), data.size()}) {
        auto plain = readAll(data, {piece}, false);
        auto got = readAll(data, {piece}, true);
        ASSERT_EQ(got.size(), 3u) << at << insert << piece;
        EXPECT_FALSE(got[0].consumed);
        EXPECT_EQ(got[0].text, "");
        EXPECT_FALSE(got[1].consumed) << at << insert << piece;
        EXPECT_EQ(got[1].text, bad) << at << insert << piece;
        EXPECT_EQ(got[1].text, plain[1].text);
        EXPECT_EQ(got[1].number, 2u);
        EXPECT_TRUE(got[2].consumed);
        EXPECT_EQ(got[2].number, 3u);
        expectSame(got[2].snap, general(kLine));
      }
    }
  }
}

TEST(ReportCanonicalStream, TruncatedLastLineIsReturnedWhole) {
  for (size_t len = 1; len < kLine.size(); ++len) {
    const std::string cut = kLine.substr(0, len);
    for (size_t piece : {size_t(1), size_t(31), size_t(4096)}) {
      auto got = readAll(kLine + "\n" + cut, {piece}, true);
      ASSERT_EQ(got.size(), 2u) << len;
      EXPECT_TRUE(got[0].consumed);
      EXPECT_FALSE(got[1].consumed) << len;
      EXPECT_EQ(got[1].text, cut);
      EXPECT_TRUE(got[1].noNewline);
      // Cut inside its newline-terminated form too: a line that ends early.
      auto early = readAll(cut + "\n" + kLine + "\n", {piece}, true);
      ASSERT_EQ(early.size(), 2u);
      EXPECT_FALSE(early[0].consumed);
      EXPECT_EQ(early[0].text, cut);
      EXPECT_TRUE(early[1].consumed);
    }
  }
}

TEST(ReportCanonicalStream, MaxLineBytesAsWithoutTheConsumer) {
  const std::string data = kLine + "\n{}\n" + kLine;
  for (size_t cap : {kLine.size() - 1, kLine.size(), size_t(2), size_t(100)}) {
    for (size_t piece : {size_t(1), size_t(50), size_t(1 << 20)}) {
      auto plain = readAll(data, {piece}, false, cap);
      auto got = readAll(data, {piece}, true, cap);
      ASSERT_EQ(got.size(), plain.size()) << cap;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].oversized, plain[i].oversized) << cap << " " << i;
        EXPECT_EQ(got[i].number, plain[i].number);
        EXPECT_EQ(got[i].noNewline, plain[i].noNewline);
        if (got[i].consumed) {
          expectSame(got[i].snap, general(plain[i].text));
        } else {
          EXPECT_EQ(got[i].text, plain[i].text);
        }
      }
      EXPECT_EQ(got[0].consumed, cap >= kLine.size());
    }
  }
}

// A header longer than the parser holds back is left to the whole-line parser.
TEST(ReportCanonicalStream, LongHeaderIsReturnedWhole) {
  std::string ports;
  for (int i = 0; i < 20000; ++i) ports += (i ? "," : "") + std::to_string(10000 + i % 50000);
  const std::string line =
      "{\"version\":3,\"ts_unix_sec\":5,\"dst_ports\":[" + ports + "],\"buckets\":[]}";
  auto got = readAll(line + "\n" + kLine + "\n", {4096}, true);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].consumed);
  EXPECT_EQ(got[0].text, line);
  EXPECT_TRUE(got[1].consumed);
  // The whole-line fast path still takes it.
  Snapshot s;
  EXPECT_TRUE(parseCanonicalV3(line.data(), line.size(), s));
  EXPECT_EQ(s.dstPorts.size(), 20000u);
}

// Many buckets over many read chunks (the reader's own 1 MiB), with a non-canonical bucket at
// the end: the 2 MB written back must be exactly the input.
TEST(ReportCanonicalStream, LongLineFoundNonCanonicalNearItsEnd) {
  std::string line = "{\"version\":3,\"ts_unix_sec\":60,\"dst_ports\":[80],\"buckets\":[";
  for (uint32_t i = 0; i < 20000; ++i) {
    line += (i ? "," : "") + std::string("{\"key_type\":\"src_ip\",\"key_value\":") +
            std::to_string(i * 7) + ",\"dst_port\":80,\"syn\":" + std::to_string(i) +
            ",\"ack\":1,\"handshake_ack\":2,\"rst\":3,\"packets\":" + std::to_string(i * 1000) +
            ",\"bytes\":99}";
  }
  const std::string good = line + "]}";
  const std::string bad = line + ", ]}";
  auto got = readAll(good + "\n" + bad + "\n" + good, {1 << 20}, true, 8 << 20);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[0].consumed);
  EXPECT_EQ(got[0].snap.buckets.size(), 20000u);
  expectSame(got[0].snap, general(good));
  EXPECT_FALSE(got[1].consumed);
  EXPECT_EQ(got[1].text, bad);
  EXPECT_TRUE(got[2].consumed);
  EXPECT_TRUE(got[2].noNewline);
}

// Numbers of every length (the parser reads up to 16 digits eight at a time) and the spellings
// JSON reads otherwise: the fast path takes exactly what the general parser reads as a u64 and
// leaves the rest.
TEST(ReportCanonicalStream, NumbersOfEveryLength) {
  std::vector<std::string> numbers = {"0",   "00",  "01", "0.5",
                                      "1e3", "1E3", "-1", "18446744073709551616"};
  for (size_t len = 1; len <= 20; ++len) {
    numbers.push_back(std::string("98765432109876543210").substr(0, len));
    numbers.push_back(std::string(len, '9'));
    numbers.push_back("1" + std::string(len - 1, '0'));
  }
  SnapshotParser parser;
  for (const std::string& n : numbers) {
    const std::string line =
        "{\"version\":3,\"ts_unix_sec\":1,\"dst_ports\":[80],\"buckets\":[{\"key_type\":"
        "\"src_ip\",\"key_value\":1,\"dst_port\":80,\"syn\":" +
        n + ",\"ack\":" + n + ",\"handshake_ack\":0,\"rst\":0,\"packets\":0,\"bytes\":" + n + "}]}";
    const std::string padded = line + std::string(simdjson::SIMDJSON_PADDING, '\0');
    Snapshot fast, slow;
    const bool took = parseCanonicalV3(line.data(), line.size(), fast);
    const bool valid =
        parser.parseGeneral(padded.data(), line.size(), padded.size(), slow) == ParseStatus::Ok;
    EXPECT_EQ(took, valid) << n;
    if (took) {
      expectSame(fast, slow);
      auto got = readAll(line + "\n", {1}, true);
      ASSERT_EQ(got.size(), 1u);
      EXPECT_TRUE(got[0].consumed) << n;
      expectSame(got[0].snap, slow);
    }
  }
}

}  // namespace
}  // namespace ibsr::report
