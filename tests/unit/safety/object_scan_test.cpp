#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "safety/rules.h"
#include "safety/verifier.h"
#include "test_elf.h"

namespace ibsr::safety {
namespace {

using namespace testing;
using Rules = std::set<std::string>;

std::vector<std::uint8_t> readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string fixtureObject(const std::string& name) {
  return std::string(IBSR_BINARY_DIR) + "/bpf/fixtures/" + name + ".bpf.o";
}

std::string fixtureSource(const std::string& name) {
  return std::string(IBSR_SOURCE_DIR) + "/tests/fixtures/bpf/" + name + ".bpf.c";
}

Rules ruleIds(const std::vector<Violation>& vs) {
  Rules out;
  for (const auto& v : vs) out.insert(v.rule);
  return out;
}

std::vector<Violation> objectViolations(const std::string& name, Mode mode) {
  auto bytes = readBytes(fixtureObject(name));
  EXPECT_FALSE(bytes.empty()) << fixtureObject(name);
  auto report = analyzeObject(bytes, mode);
  EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message);
  return report.ok() ? report->violations : std::vector<Violation>{};
}

std::vector<Violation> sourceViolations(const std::string& name, Mode mode) {
  std::string text = readText(fixtureSource(name));
  EXPECT_FALSE(text.empty()) << fixtureSource(name);
  return scanSource(text, mode);
}

struct FixtureCase {
  std::string fixture;
  Mode mode;
  Rules object;  // exactly the rule ids the object scan must report
  Rules source;  // exactly the rule ids the source scan must report
};

const std::vector<FixtureCase>& fixtureCases() {
  static const std::vector<FixtureCase> cases = {
      // Clean programs.
      {"clean_xdp", Mode::Strict, {}, {}},
      {"clean_xdp", Mode::Payload, {}, {}},
      {"clean_xdp", Mode::Incident, {}, {}},
      {"clean_tc", Mode::Payload, {}, {}},
      {"clean_tc", Mode::Incident, {}, {}},
      {"clean_tc",
       Mode::Strict,
       {"program-type", "strict-event-helper", "strict-event-map", "strict-lru-required",
        "strict-helper-not-allowed"},  // bpf_skb_load_bytes
       {"strict-event-helper", "strict-event-map", "strict-lru-required",
        "strict-helper-not-allowed"}},
      {"tc_in_strict", Mode::Strict, {"program-type"}, {}},
      {"tc_in_strict", Mode::Payload, {}, {}},
      // Drops, plain and obfuscated.
      {"drop_plain", Mode::Strict, {"non-pass-exit"}, {"forbidden-return-code"}},
      {"drop_runtime", Mode::Strict, {"non-pass-exit"}, {}},
      {"drop_macro", Mode::Strict, {"non-pass-exit"}, {}},
      {"drop_subprog", Mode::Payload, {"non-pass-exit"}, {}},
      {"drop_second_subprog", Mode::Strict, {"non-pass-exit"}, {}},
      {"drop_volatile", Mode::Strict, {"non-pass-exit"}, {}},
      {"asm_return", Mode::Strict, {"non-pass-exit"}, {}},
      {"tc_shot", Mode::Payload, {"non-pass-exit"}, {"forbidden-return-code"}},
      // Helpers.
      {"helper_by_number", Mode::Strict, {"forbidden-helper"}, {}},
      {"redirect_helper", Mode::Payload, {"forbidden-helper"}, {"forbidden-helper"}},
      {"tc_store_bytes", Mode::Incident, {"forbidden-helper"}, {"forbidden-helper"}},
      {"tail_call",
       Mode::Payload,
       {"tail-call", "forbidden-map-type"},
       {"tail-call", "forbidden-map-type"}},
      {"unknown_helper", Mode::Strict, {"unknown-helper"}, {}},
      // StrictCounter's allow-list: helpers the mode-invariant rules accept are still rejected
      // in strict mode, by name and by number; the other modes keep accepting them.
      {"strict_prandom",
       Mode::Strict,
       {"strict-helper-not-allowed"},
       {"strict-helper-not-allowed"}},
      {"strict_prandom", Mode::Payload, {}, {}},
      {"strict_prandom", Mode::Incident, {}, {}},
      {"strict_helper_by_number", Mode::Strict, {"strict-helper-not-allowed"}, {}},
      {"strict_helper_by_number", Mode::Payload, {}, {}},
      {"strict_helper_by_number", Mode::Incident, {}, {}},
      {"kfunc_call", Mode::Payload, {"kfunc-call"}, {}},
      // Event streams: strict only.
      {"ringbuf_strict",
       Mode::Strict,
       {"strict-event-helper", "strict-event-map"},
       {"strict-event-helper", "strict-event-map"}},
      {"ringbuf_strict", Mode::Payload, {}, {}},
      {"perf_strict",
       Mode::Strict,
       {"strict-event-helper", "strict-event-map"},
       {"strict-event-helper", "strict-event-map"}},
      {"perf_strict", Mode::Incident, {}, {}},
      {"no_lru", Mode::Strict, {"strict-lru-required"}, {"strict-lru-required"}},
      {"no_lru", Mode::Payload, {}, {}},
      // Maps.
      {"map_devmap", Mode::Payload, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_devmap_hash", Mode::Payload, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_xskmap", Mode::Payload, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_cpumap", Mode::Payload, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_prog_array", Mode::Payload, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_sockmap", Mode::Payload, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_sockhash", Mode::Payload, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_reuseport_sockarray", Mode::Payload, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_devmap", Mode::Strict, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"map_xskmap", Mode::Incident, {"forbidden-map-type"}, {"forbidden-map-type"}},
      {"unknown_map_type", Mode::Strict, {"unknown-map-type"}, {}},
      // Stores.
      {"packet_store", Mode::Strict, {"packet-store"}, {}},
      {"packet_store_spill", Mode::Strict, {"packet-store"}, {}},
      {"packet_store_subprog", Mode::Strict, {"packet-store"}, {}},
      // bpf_loop and bpf_probe_read_kernel are also off StrictCounter's helper allow-list.
      {"packet_store_callback",
       Mode::Strict,
       {"packet-store", "ctx-store", "strict-helper-not-allowed"},
       {"strict-helper-not-allowed"}},
      {"packet_store_struct_arg", Mode::Strict, {"packet-store"}, {}},
      {"packet_atomic", Mode::Payload, {"packet-store"}, {}},
      {"packet_helper_write",
       Mode::Strict,
       {"packet-store", "strict-helper-not-allowed"},
       {"strict-helper-not-allowed"}},
      {"ctx_store", Mode::Payload, {"ctx-store"}, {}},
      // Undecodable code.
      {"malformed_jump", Mode::Strict, {"malformed-program"}, {}},
  };
  return cases;
}

void PrintTo(const FixtureCase& c, std::ostream* os) {
  *os << c.fixture << " (" << modeName(c.mode) << ")";
}

class FixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(FixtureTest, ObjectScanReportsExactlyTheExpectedRules) {
  const auto& c = GetParam();
  auto vs = objectViolations(c.fixture, c.mode);
  EXPECT_EQ(ruleIds(vs), c.object);
  for (const auto& v : vs) EXPECT_EQ(v.mode, c.mode);
}

TEST_P(FixtureTest, SourceScanReportsExactlyTheExpectedRules) {
  const auto& c = GetParam();
  EXPECT_EQ(ruleIds(sourceViolations(c.fixture, c.mode)), c.source);
}

std::string caseName(const ::testing::TestParamInfo<FixtureCase>& info) {
  return info.param.fixture + "_" + std::string(modeName(info.param.mode));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureTest, ::testing::ValuesIn(fixtureCases()), caseName);

TEST(RulesTable, EveryRuleIsTriggeredByAFixtureInEachScanItDeclares) {
  std::set<std::string> object, source;
  for (const auto& c : fixtureCases()) {
    for (const auto& r : c.object) object.insert(r);
    for (const auto& r : c.source) source.insert(r);
  }
  object.insert("analysis-limit");  // AnalysisLimitIsAViolation below
  for (const auto& rule : rulesTable()) {
    std::string id(rule.id);
    if (rule.scan != ScanKind::Source) {
      EXPECT_TRUE(object.count(id)) << id << " (object scan)";
    }
    if (rule.scan != ScanKind::Object) {
      EXPECT_TRUE(source.count(id)) << id << " (source scan)";
    }
  }
  // And no fixture expects a rule the table does not list.
  for (const auto& id : object) EXPECT_NE(findRule(id), nullptr) << id;
  for (const auto& id : source) EXPECT_NE(findRule(id), nullptr) << id;
}

TEST(RulesTable, IdsAreUniqueAndDescribed) {
  std::set<std::string_view> ids;
  for (const auto& r : rulesTable()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_FALSE(r.description.empty()) << r.id;
  }
  EXPECT_EQ(ids.size(), 17U);
}

TEST(RulesTable, StrictOnlyRulesDoNotFireInOtherModes) {
  for (const auto& c : fixtureCases()) {
    if (c.mode == Mode::Strict) continue;
    for (const auto& r : c.object) EXPECT_FALSE(findRule(r)->strictOnly) << c.fixture << " " << r;
    for (const auto& r : c.source) EXPECT_FALSE(findRule(r)->strictOnly) << c.fixture << " " << r;
  }
}

TEST(ObjectScan, ExactViolationForHelperCalledByNumber) {
  auto vs = objectViolations("helper_by_number", Mode::Strict);
  ASSERT_EQ(vs.size(), 1U);
  EXPECT_EQ(vs[0].section, "xdp");
  EXPECT_EQ(vs[0].insn, 2);
  EXPECT_EQ(vs[0].format(),
            "xdp insn 2: forbidden-helper (mode strict): call to bpf_redirect (helper id 23)");
}

TEST(ObjectScan, ExactViolationForDropThroughMacro) {
  auto vs = objectViolations("drop_macro", Mode::Payload);
  ASSERT_EQ(vs.size(), 1U);
  EXPECT_EQ(
      vs[0].format(),
      "xdp insn 4: non-pass-exit (mode payload): r0 may be XDP_DROP; only XDP_PASS is allowed");
}

TEST(ObjectScan, CallRelocatedAgainstTheTextSectionSymbol) {
  auto vs = objectViolations("drop_second_subprog", Mode::Strict);
  ASSERT_EQ(vs.size(), 1U);
  EXPECT_EQ(
      vs[0].format(),
      "xdp insn 5: non-pass-exit (mode strict): r0 may be XDP_DROP; only XDP_PASS is allowed");
}

TEST(ObjectScan, PacketStoreInSubprogramIsReportedInText) {
  auto vs = objectViolations("packet_store_subprog", Mode::Strict);
  ASSERT_EQ(vs.size(), 1U);
  EXPECT_EQ(vs[0].section, ".text");
  EXPECT_EQ(vs[0].rule, "packet-store");
}

TEST(ObjectScan, CallbackStoreIsFoundButItsCallerStackWritesAreNot) {
  // The callback's caller is unknown, so a pointer loaded from its context may be a packet or a
  // context pointer: c->data[0] = ... (insn 8) is both; c->rounds++ (insn 2) is neither.
  // Payload mode: in strict mode bpf_loop is also off the helper allow-list, not the point here.
  auto vs = objectViolations("packet_store_callback", Mode::Payload);
  ASSERT_EQ(vs.size(), 2U);
  for (const auto& v : vs) {
    EXPECT_EQ(v.section, ".text");
    EXPECT_EQ(v.insn, 8);
  }
  EXPECT_EQ(ruleIds(vs), (Rules{"packet-store", "ctx-store"}));
}

TEST(ObjectScan, PacketPointerToAWritingHelperButNotToAMapLookup) {
  // Payload mode: in strict mode the helper is also off the allow-list, not the point here.
  auto vs = objectViolations("packet_helper_write", Mode::Payload);
  ASSERT_EQ(vs.size(), 1U);
  EXPECT_EQ(vs[0].rule, "packet-store");
  EXPECT_NE(vs[0].detail.find("bpf_probe_read_kernel (argument 1)"), std::string::npos)
      << vs[0].detail;
}

TEST(ObjectScan, SubprogramLoadsThePacketPointerFromItsCallersStack) {
  auto vs = objectViolations("packet_store_struct_arg", Mode::Strict);
  ASSERT_EQ(vs.size(), 1U);  // c->pos[0] = 0x55; the caller's stack holds no ctx pointer
  EXPECT_EQ(vs[0].format(),
            ".text insn 6: packet-store (mode strict): store through a pointer "
            "into packet data (r1)");
}

TEST(ObjectScan, ReportNamesProgramsAndMaps) {
  auto report = analyzeObject(readBytes(fixtureObject("clean_tc")), Mode::Payload);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->programs.size(), 1U);
  EXPECT_EQ(report->programs[0].section, "tc");
  EXPECT_EQ(report->programs[0].name, "clean_tc");
  EXPECT_EQ(report->programs[0].kind, "TC");
  std::map<std::string, std::string> maps;
  for (const auto& m : report->maps) maps[m.name] = m.type;
  EXPECT_EQ(maps, (std::map<std::string, std::string>{
                      {"config", "array"}, {"drops", "percpu_array"}, {"events", "ringbuf"}}));
}

TEST(ObjectScan, ShippedCounterObjectIsAcceptedInStrictMode) {
  std::string path = std::string(IBSR_BINARY_DIR) + "/bpf/counter.bpf.o";
  auto report = analyzeObject(readBytes(path), Mode::Strict);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->violations.empty());
  ASSERT_EQ(report->programs.size(), 1U);
  EXPECT_EQ(report->programs[0].kind, "XDP");
  // The IPv4 map and the IPv6 map, both LRU (bounded memory).
  ASSERT_EQ(report->maps.size(), 2U);
  EXPECT_EQ(report->maps[0].type, "lru_hash");
  EXPECT_EQ(report->maps[1].type, "lru_hash");
  auto source = readText(std::string(IBSR_SOURCE_DIR) + "/bpf/counter.bpf.c");
  EXPECT_TRUE(scanSource(source, Mode::Strict).empty());
}

TEST(ObjectScan, EveryShippedObjectIsAcceptedInPayloadMode) {
  // Payload mode accepts everything strict does, so every object the build ships must pass it
  // (each is also checked in its own mode by the build itself).
  std::string dir = std::string(IBSR_BINARY_DIR) + "/bpf";
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  int checked = 0;
  while (auto* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() < 6 || name.substr(name.size() - 6) != ".bpf.o") continue;
    if (name.find(".tmp.") != std::string::npos) continue;
    auto report = analyzeObject(readBytes(dir + "/" + name), Mode::Payload);
    ASSERT_TRUE(report.ok()) << name;
    for (const auto& v : report->violations) ADD_FAILURE() << name << ": " << v.format();
    ++checked;
  }
  closedir(d);
  EXPECT_GE(checked, 1);
}

TEST(ObjectScan, AnalysisLimitIsAViolation) {
  ScanLimits limits;
  limits.maxSteps = 5;
  auto report = analyzeObject(readBytes(fixtureObject("clean_xdp")), Mode::Strict, limits);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(ruleIds(report->violations), (Rules{"analysis-limit"}));
}

TEST(ObjectScan, NonElfInputIsAnError) {
  std::vector<std::uint8_t> garbage{'h', 'e', 'l', 'l', 'o'};
  auto r = analyzeObject(garbage, Mode::Strict);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "not an ELF file");
  EXPECT_FALSE(analyzeObject({}, Mode::Strict).ok());
}

TEST(ObjectScan, NonBpfElfIsAnError) {
  auto elf = buildBpfElf("xdp", {movImm(0, 2), exitInsn()}, /*machine=*/62);
  auto r = analyzeObject(elf, Mode::Payload);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "not a BPF object (ELF machine 62)");
}

TEST(ObjectScan, TruncatedObjectIsAnError) {
  auto bytes = readBytes(fixtureObject("clean_xdp"));
  bytes.resize(bytes.size() / 2);
  auto r = analyzeObject(bytes, Mode::Payload);
  ASSERT_FALSE(r.ok());
}

// Constant propagation on hand-assembled programs (payload mode: no LRU map needed).
Rules rulesOf(const std::string& section, const std::vector<RawInsn>& insns) {
  auto r = analyzeObject(buildBpfElf(section, insns), Mode::Payload);
  EXPECT_TRUE(r.ok());
  return r.ok() ? ruleIds(r->violations) : Rules{"error"};
}

TEST(ConstantPropagation, PassConstants) {
  EXPECT_EQ(rulesOf("xdp", {movImm(0, 2), exitInsn()}), Rules{});
  EXPECT_EQ(rulesOf("xdp", {movImm(0, 1), addImm(0, 1), exitInsn()}), Rules{});
  EXPECT_EQ(rulesOf("tc", {movImm(0, -1), exitInsn()}), Rules{});
  EXPECT_EQ(rulesOf("tc", {movImm32(0, -1), exitInsn()}), Rules{});
  EXPECT_EQ(rulesOf("tc", {movImm(0, 0), exitInsn()}), Rules{});
  EXPECT_EQ(rulesOf("xdp", {movImm(0, 1), exitInsn()}), Rules{"non-pass-exit"});
  EXPECT_EQ(rulesOf("tc", {movImm(0, 2), exitInsn()}), Rules{"non-pass-exit"});
}

TEST(ConstantPropagation, BothBranchesAreFollowed) {
  // if r1 == 0 goto +2; r0 = 2; exit; r0 = 1; exit
  auto prog = std::vector<RawInsn>{ldxW(1, 1, 16), jeqImm(1, 0, 2), movImm(0, 2),
                                   exitInsn(),     movImm(0, 1),    exitInsn()};
  EXPECT_EQ(rulesOf("xdp", prog), Rules{"non-pass-exit"});
  // Join at a merge point: r0 is {1, 2} at the exit.
  auto merged =
      std::vector<RawInsn>{ldxW(1, 1, 16), movImm(0, 2), jeqImm(1, 0, 1), movImm(0, 1), exitInsn()};
  auto r = analyzeObject(buildBpfElf("xdp", merged), Mode::Payload);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->violations.size(), 1U);
  EXPECT_EQ(
      r->violations[0].format(),
      "xdp insn 4: non-pass-exit (mode payload): r0 may be XDP_DROP; only XDP_PASS is allowed");
}

TEST(ConstantPropagation, HelperCallClobbersR0) {
  EXPECT_EQ(rulesOf("xdp", {movImm(0, 2), call(5), exitInsn()}), Rules{"non-pass-exit"});
}

TEST(ConstantPropagation, StackSpillKeepsTheConstant) {
  EXPECT_EQ(rulesOf("xdp", {movImm(1, 2), stxDW(10, 1, -8), ldxDW(0, 10, -8), exitInsn()}),
            Rules{});
}

TEST(ConstantPropagation, StoreThroughAStackAliasIsSeen) {
  // r2 = r10 - 8 aliases the spill slot; a store through it must replace the spilled PASS.
  EXPECT_EQ(rulesOf("xdp", {movImm(1, 2), stxDW(10, 1, -8), movReg(2, 10), addImm(2, -8),
                            stDW(2, 0, 1), ldxDW(0, 10, -8), exitInsn()}),
            Rules{"non-pass-exit"});
}

TEST(ConstantPropagation, HelperMayOverwriteStackItIsGiven) {
  // bpf_probe_read_kernel(r10-8, ...) could write any bytes into the spilled verdict.
  EXPECT_EQ(rulesOf("xdp", {movImm(1, 2), stxDW(10, 1, -8), movReg(1, 10), addImm(1, -8), call(113),
                            ldxDW(0, 10, -8), exitInsn()}),
            Rules{"non-pass-exit"});
}

TEST(ConstantPropagation, SlotWrittenAfterAHelperCallKeepsItsConstant) {
  // map_lookup_elem(r1, r10-8) may write the stack, but a verdict spilled afterwards is exact.
  EXPECT_EQ(rulesOf("xdp", {movReg(2, 10), addImm(2, -8), call(1), movImm(1, 2), stxDW(10, 1, -16),
                            ldxDW(0, 10, -16), exitInsn()}),
            Rules{});
}

TEST(ConstantPropagation, FarStackOffsetsDoNotOverflow) {
  // r2 = r10 + 0x7fffffffffffffff; *(u64 *)(r2 + 32767) = 1: an unknown stack location, so the
  // spilled verdict at r10-8 can no longer be trusted.
  EXPECT_EQ(rulesOf("xdp", {movImm(1, 2),
                            stxDW(10, 1, -8),
                            {0x18, 3, 0, 0, -1},
                            {0, 0, 0, 0, 0x7fffffff},
                            movReg(2, 10),
                            {0x0f, 2, 3, 0, 0},
                            stDW(2, 32767, 1),
                            ldxDW(0, 10, -8),
                            exitInsn()}),
            Rules{"non-pass-exit"});
}

TEST(PacketTracking, PacketPointerStoredAtUnknownStackOffsetTaintsTheStack) {
  // r3 = r10 + r4 (unknown offset); *(u64 *)(r3 + 0) = data; r5 = *(u64 *)(r10 - 24); *r5 = 0
  EXPECT_EQ(rulesOf("xdp", {ldxW(2, 1, 0),
                            ldxW(4, 1, 16),
                            movReg(3, 10),
                            {0x0f, 3, 4, 0, 0},
                            stxDW(3, 2, 0),
                            ldxDW(5, 10, -24),
                            stDW(5, 0, 0),
                            movImm(0, 2),
                            exitInsn()}),
            Rules{"packet-store"});
}

TEST(PacketTracking, StoreThroughDataPointer) {
  EXPECT_EQ(rulesOf("xdp", {ldxW(2, 1, 0), movReg(3, 2), addImm(3, 14), stxB(3, 1, 0), movImm(0, 2),
                            exitInsn()}),
            Rules{"packet-store"});
  // __sk_buff->data is at offset 76.
  EXPECT_EQ(rulesOf("tc", {ldxW(2, 1, 76), stDW(2, 0, 0), movImm(0, 0), exitInsn()}),
            Rules{"packet-store"});
  // data_end (offset 4) is not a store base the kernel would allow; not a packet-store.
  EXPECT_EQ(rulesOf("xdp", {ldxW(2, 1, 16), stxB(10, 2, -1), movImm(0, 2), exitInsn()}), Rules{});
}

TEST(PacketTracking, SpilledPacketPointer) {
  EXPECT_EQ(rulesOf("xdp", {ldxW(2, 1, 0), stxDW(10, 2, -16), ldxDW(3, 10, -16), stDW(3, 0, 0),
                            movImm(0, 2), exitInsn()}),
            Rules{"packet-store"});
}

TEST(PacketTracking, CtxStore) {
  EXPECT_EQ(rulesOf("tc", {stDW(1, 8, 1), movImm(0, 0), exitInsn()}), Rules{"ctx-store"});
}

TEST(Decoding, MalformedCode) {
  EXPECT_EQ(rulesOf("xdp", {{0xff, 0, 0, 0, 0}, movImm(0, 2), exitInsn()}),
            Rules{"malformed-program"});
  EXPECT_EQ(rulesOf("xdp", {movImm(0, 2)}), Rules{"malformed-program"});  // falls off the end
  EXPECT_EQ(rulesOf("xdp", {ja(-5), exitInsn()}), Rules{"malformed-program"});
  EXPECT_EQ(rulesOf("xdp", {movImm(0, 2), exitInsn(), {0x18, 1, 0, 0, 0}}),
            Rules{"malformed-program"});  // truncated ld_imm64
}

TEST(Decoding, MapByRawFdIsUnknown) {
  // r1 = map_by_fd(5) with no relocation: the map is not in the object.
  EXPECT_EQ(rulesOf("xdp", {{0x18, 1, 1, 0, 5}, {0, 0, 0, 0, 0}, movImm(0, 2), exitInsn()}),
            Rules{"unknown-map-type"});
  // A plain 64-bit constant is fine: r0 = 0x100000002 passes (the kernel reads the low 32 bits).
  EXPECT_EQ(rulesOf("xdp", {{0x18, 0, 0, 0, 2}, {0, 0, 0, 0, 1}, exitInsn()}), Rules{});
}

TEST(Decoding, RecursionIsRejected) {
  // insn 0: call +0 (itself, via a relative pseudo call); r0 = 2; exit
  EXPECT_EQ(rulesOf("xdp", {{0x85, 0, 1, 0, -1}, movImm(0, 2), exitInsn()}),
            Rules{"malformed-program"});
}

TEST(Decoding, ProgramTypes) {
  EXPECT_EQ(rulesOf("kprobe/x", {movImm(0, 0), exitInsn()}), Rules{"program-type"});
  auto strict = analyzeObject(buildBpfElf("tc", {movImm(0, 0), exitInsn()}), Mode::Strict);
  ASSERT_TRUE(strict.ok());
  EXPECT_EQ(ruleIds(strict->violations), (Rules{"program-type", "strict-lru-required"}));
}

}  // namespace
}  // namespace ibsr::safety
