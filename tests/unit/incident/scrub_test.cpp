#include "incident/scrub.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace ibsr::incident {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint64_t fnvOf(const std::string& s) {
  return fnv1a64(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Ethernet + optional VLAN tags + a 20-byte IPv4 header + 8 bytes of UDP.
Bytes ipv4Frame(std::uint32_t src, std::uint32_t dst, int vlanTags = 0) {
  Bytes f(12, 0xaa);
  for (int i = 0; i < vlanTags; ++i) {
    f.push_back(i == 0 && vlanTags == 2 ? 0x88 : 0x81);
    f.push_back(i == 0 && vlanTags == 2 ? 0xa8 : 0x00);
    f.push_back(0x00);
    f.push_back(static_cast<std::uint8_t>(i + 1));
  }
  f.insert(f.end(), {0x08, 0x00});
  Bytes ip = {0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0x12, 0x34};
  for (std::uint32_t a : {src, dst})
    for (int s = 24; s >= 0; s -= 8) ip.push_back(static_cast<std::uint8_t>(a >> s));
  f.insert(f.end(), ip.begin(), ip.end());
  f.insert(f.end(), {0, 1, 0, 2, 0, 8, 0, 0});
  return f;
}

InternalPrefixes prefixes(const std::vector<std::string>& cidrs) {
  return InternalPrefixes::parse(cidrs).value();
}

std::uint32_t addrAt(const Bytes& f, std::size_t off) {
  return (std::uint32_t{f[off]} << 24) | (std::uint32_t{f[off + 1]} << 16) |
         (std::uint32_t{f[off + 2]} << 8) | f[off + 3];
}

TEST(Fnv1a64, PublishedVectors) {
  // From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv).
  EXPECT_EQ(fnvOf(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnvOf("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnvOf("foobar"), 0x85944171f73967e8ULL);
}

TEST(HashIpv4, IsLow32BitsOfFnvOverSaltThenAddressBigEndian) {
  const std::uint8_t input[12] = {0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe, 10, 0, 0, 1};
  std::uint32_t want = static_cast<std::uint32_t>(fnv1a64(input, sizeof(input)));
  EXPECT_EQ(hashIpv4(0xDEADBEEFCAFEBABEULL, 0x0A000001), want);
  // Pinned value (computed independently in Python), so a change of the scheme (byte order,
  // truncation) cannot pass silently: FNV-1a-64 = 0xf25f9f7f4f8a6a56.
  EXPECT_EQ(want, 0x4f8a6a56U);
  EXPECT_NE(hashIpv4(0xDEADBEEFCAFEBABEULL, 0x0A000001), hashIpv4(1, 0x0A000001));
}

TEST(Scrubber, HashesBothAddressesInNetworkOrder) {
  Scrubber s(0x0123456789abcdefULL, {});
  for (int tags : {0, 1, 2, 3, 5}) {
    Bytes f = ipv4Frame(0xC6336407, 0x0AC70101, tags);
    Bytes orig = f;
    ASSERT_EQ(s.apply(f.data(), f.size()), ScrubVerdict::Keep);
    std::size_t ip = 14 + 4 * static_cast<std::size_t>(tags);
    EXPECT_EQ(addrAt(f, ip + 12), hashIpv4(0x0123456789abcdefULL, 0xC6336407));
    EXPECT_EQ(addrAt(f, ip + 16), hashIpv4(0x0123456789abcdefULL, 0x0AC70101));
    // Nothing else changed, checksum included.
    std::memset(f.data() + ip + 12, 0, 8);
    std::memset(orig.data() + ip + 12, 0, 8);
    EXPECT_EQ(f, orig);
  }
}

TEST(Scrubber, InternalSubnetCheckRunsBeforeHashing) {
  Scrubber s(0xDEADBEEFCAFEBABEULL, prefixes({"10.0.0.0/8"}));
  Bytes internal = ipv4Frame(0x0A010203, 0x0A040506);
  EXPECT_EQ(s.apply(internal.data(), internal.size()), ScrubVerdict::Drop);
  Bytes half = ipv4Frame(0x0A010203, 0xC6336401);
  EXPECT_EQ(s.apply(half.data(), half.size()), ScrubVerdict::Keep);
  EXPECT_EQ(addrAt(half, 26), hashIpv4(0xDEADBEEFCAFEBABEULL, 0x0A010203));
  Bytes tagged = ipv4Frame(0x0A010203, 0x0A040506, 2);
  EXPECT_EQ(s.apply(tagged.data(), tagged.size()), ScrubVerdict::Drop);
}

TEST(Scrubber, SubnetOnlyLeavesAddressesAlone) {
  Scrubber s(std::nullopt, prefixes({"192.168.0.0/16"}));
  Bytes f = ipv4Frame(0xC0A80001, 0x08080808);
  Bytes orig = f;
  EXPECT_EQ(s.apply(f.data(), f.size()), ScrubVerdict::Keep);
  EXPECT_EQ(f, orig);
}

TEST(Scrubber, NonIpv4AndShortFramesPassUnchanged) {
  Scrubber s(1, prefixes({"0.0.0.0/0", "::/0"}));
  Bytes v6(60, 0);  // ethertype 0x86dd, but version 0
  v6[12] = 0x86;
  v6[13] = 0xdd;
  Bytes arp(42, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  Bytes shortIp = ipv4Frame(1, 2);
  shortIp.resize(14 + 19);  // both addresses not captured
  Bytes wrongVersion = ipv4Frame(1, 2);
  wrongVersion[14] = 0x65;
  for (Bytes* f : {&v6, &arp, &shortIp, &wrongVersion}) {
    Bytes orig = *f;
    EXPECT_EQ(s.apply(f->data(), f->size()), ScrubVerdict::Keep);
    EXPECT_EQ(*f, orig);
  }
  Bytes tiny(5, 0);
  EXPECT_EQ(s.apply(tiny.data(), tiny.size()), ScrubVerdict::Keep);
  // Cut inside the VLAN tags: nothing to read, nothing read beyond the capture.
  Bytes tagsOnly = ipv4Frame(1, 2, 3);
  tagsOnly.resize(12 + 4 * 3 + 1);
  Bytes origTags = tagsOnly;
  EXPECT_EQ(s.apply(tagsOnly.data(), tagsOnly.size()), ScrubVerdict::Keep);
  EXPECT_EQ(tagsOnly, origTags);
}

// Ethernet + optional VLAN tags + a 40-byte IPv6 header (UDP next) + 8 bytes of UDP.
Bytes ipv6Frame(const Bytes& src, const Bytes& dst, int vlanTags = 0) {
  Bytes f = ipv4Frame(0, 0, vlanTags);
  std::size_t l3 = 14 + 4 * static_cast<std::size_t>(vlanTags);
  f.resize(l3);
  f[l3 - 2] = 0x86;
  f[l3 - 1] = 0xdd;
  f.insert(f.end(), {0x60, 0x01, 0x23, 0x45, 0x00, 0x08, 17, 64});
  f.insert(f.end(), src.begin(), src.end());
  f.insert(f.end(), dst.begin(), dst.end());
  f.insert(f.end(), {0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0xab, 0xcd});
  return f;
}

const Bytes kV6Src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};  // 2001:db8::1
const Bytes kV6Dst = {0xfd, 0x00, 0x00, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};  // fd00:77::2

TEST(HashIpv6, IsFnvOverSaltThenAddressWrittenTwiceBigEndian) {
  // Pinned values computed independently in Python: FNV-1a-64 over the salt's 8 bytes
  // big-endian then the 16 address bytes.
  Bytes a = kV6Src;
  hashIpv6(0x0123456789abcdefULL, a.data());
  EXPECT_EQ(a, (Bytes{0xa9, 0xb9, 0xf4, 0xc2, 0x4b, 0xb5, 0x85, 0x54, 0xa9, 0xb9, 0xf4, 0xc2, 0x4b,
                      0xb5, 0x85, 0x54}));
  Bytes b = kV6Dst;
  hashIpv6(0x0123456789abcdefULL, b.data());
  EXPECT_EQ(b, (Bytes{0xcf, 0x92, 0x90, 0xc5, 0xc5, 0xec, 0xc8, 0xd7, 0xcf, 0x92, 0x90, 0xc5, 0xc5,
                      0xec, 0xc8, 0xd7}));
  Bytes c = kV6Src;
  hashIpv6(1, c.data());
  EXPECT_NE(c, a);
}

TEST(Scrubber, HashesIpv6SourceAndDestinationBehindVlanTags) {
  Scrubber s(0x0123456789abcdefULL, {});
  Bytes wantSrc = kV6Src, wantDst = kV6Dst;
  hashIpv6(0x0123456789abcdefULL, wantSrc.data());
  hashIpv6(0x0123456789abcdefULL, wantDst.data());
  for (int tags : {0, 1, 2, 3, 5}) {
    Bytes f = ipv6Frame(kV6Src, kV6Dst, tags);
    // Exactly the addresses change: the expected frame is built with the hashed ones.
    Bytes want = ipv6Frame(wantSrc, wantDst, tags);
    ASSERT_EQ(s.apply(f.data(), f.size()), ScrubVerdict::Keep);
    EXPECT_EQ(f, want) << tags << " VLAN tags";
  }
}

const Bytes kV6Internal = {0xfd, 0x00, 0x00, 0x77, 0, 0, 0, 0,
                           0,    0,    0,    0,    0, 0, 0, 3};  // fd00:77::3

TEST(Scrubber, InternalIpv6PrefixesDropBeforeHashingBehindVlanTags) {
  Scrubber s(0x0123456789abcdefULL, prefixes({"10.0.0.0/8", "fd00::/8"}));
  for (int tags : {0, 1, 2, 3, 5}) {
    Bytes internal = ipv6Frame(kV6Internal, kV6Dst, tags);
    EXPECT_EQ(s.apply(internal.data(), internal.size()), ScrubVerdict::Drop) << tags;
    // One endpoint outside: kept and hashed, exactly as without the prefixes.
    Bytes half = ipv6Frame(kV6Src, kV6Dst, tags);
    Bytes wantSrc = kV6Src, wantDst = kV6Dst;
    hashIpv6(0x0123456789abcdefULL, wantSrc.data());
    hashIpv6(0x0123456789abcdefULL, wantDst.data());
    EXPECT_EQ(s.apply(half.data(), half.size()), ScrubVerdict::Keep) << tags;
    EXPECT_EQ(half, ipv6Frame(wantSrc, wantDst, tags)) << tags;
  }
}

TEST(Scrubber, EachFamilyIsMatchedOnlyAgainstItsOwnPrefixes) {
  // 0.0.0.0/0 alone never drops IPv6; ::/0 alone never drops IPv4.
  Scrubber v4all(std::nullopt, prefixes({"0.0.0.0/0"}));
  Bytes v6 = ipv6Frame(kV6Src, kV6Dst);
  Bytes orig6 = v6;
  EXPECT_EQ(v4all.apply(v6.data(), v6.size()), ScrubVerdict::Keep);
  EXPECT_EQ(v6, orig6);
  Scrubber v6all(std::nullopt, prefixes({"::/0"}));
  Bytes v4 = ipv4Frame(0x0A000001, 0x0A000002);
  Bytes orig4 = v4;
  EXPECT_EQ(v6all.apply(v4.data(), v4.size()), ScrubVerdict::Keep);
  EXPECT_EQ(v4, orig4);
  EXPECT_EQ(v6all.apply(v6.data(), v6.size()), ScrubVerdict::Drop);
  // Mixed list: each frame against its own family's entries; the endpoints may be in
  // different listed ranges.
  Scrubber mixed(std::nullopt,
                 prefixes({"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8"}));
  Bytes across = ipv4Frame(0x0A010203, 0xC0A80101, 1);  // 10.1.2.3 -> 192.168.1.1
  EXPECT_EQ(mixed.apply(across.data(), across.size()), ScrubVerdict::Drop);
  Bytes out = ipv4Frame(0xAC200001, 0x0A000001);  // 172.32.0.1 is outside 172.16.0.0/12
  EXPECT_EQ(mixed.apply(out.data(), out.size()), ScrubVerdict::Keep);
  Bytes ula = ipv6Frame(kV6Internal, kV6Dst, 2);
  EXPECT_EQ(mixed.apply(ula.data(), ula.size()), ScrubVerdict::Drop);
}

TEST(Scrubber, Ipv6WithExtensionHeadersIsMatchedAndHashedOnTheFixedHeader) {
  // A hop-by-hop header after the fixed header: the addresses are still bytes 8..39 of the
  // fixed header, and the extension header is left as it was.
  Bytes f = ipv6Frame(kV6Src, kV6Dst);
  f[14 + 6] = 0;                               // next header: hop-by-hop
  Bytes hopByHop = {17, 0, 1, 4, 0, 0, 0, 0};  // UDP next, PadN
  f.insert(f.begin() + 14 + 40, hopByHop.begin(), hopByHop.end());
  Bytes want = f;
  hashIpv6(7, want.data() + 14 + 8);
  hashIpv6(7, want.data() + 14 + 24);
  Scrubber s(7, {});
  EXPECT_EQ(s.apply(f.data(), f.size()), ScrubVerdict::Keep);
  EXPECT_EQ(f, want);
  Bytes internal = ipv6Frame(kV6Internal, kV6Dst);
  internal[14 + 6] = 0;
  internal.insert(internal.begin() + 14 + 40, hopByHop.begin(), hopByHop.end());
  Scrubber drop(7, prefixes({"fd00::/8"}));
  EXPECT_EQ(drop.apply(internal.data(), internal.size()), ScrubVerdict::Drop);
}

TEST(Scrubber, ShortOrMislabelledIpv6PassesUnchanged) {
  Scrubber s(1, prefixes({"::/0"}));
  Bytes cut = ipv6Frame(kV6Src, kV6Dst, 1);
  cut.resize(18 + 39);  // the destination's last byte is not captured
  Bytes v4version = ipv6Frame(kV6Src, kV6Dst);
  v4version[14] = 0x45;
  for (Bytes* f : {&cut, &v4version}) {
    Bytes orig = *f;
    EXPECT_EQ(s.apply(f->data(), f->size()), ScrubVerdict::Keep);
    EXPECT_EQ(*f, orig);
  }
}

TEST(Scrubber, InactiveWithoutOptions) {
  Scrubber s(std::nullopt, {});
  EXPECT_FALSE(s.active());
  Bytes f = ipv4Frame(0x0A000001, 0x0A000002);
  Bytes orig = f;
  EXPECT_EQ(s.apply(f.data(), f.size()), ScrubVerdict::Keep);
  EXPECT_EQ(f, orig);
}

}  // namespace
}  // namespace ibsr::incident
