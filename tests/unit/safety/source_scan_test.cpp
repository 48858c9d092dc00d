#include <gtest/gtest.h>

#include <set>
#include <string>

#include "safety/source_scan.h"
#include "safety/verifier.h"

namespace ibsr::safety {
namespace {

// "LINE:RULE" of every violation, for exact comparisons.
std::multiset<std::string> found(std::string_view src, Mode mode) {
  std::multiset<std::string> out;
  for (const auto& v : scanSource(src, mode)) out.insert(v.section + ":" + v.rule);
  return out;
}

constexpr const char* kLru = "struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); } m SEC(\".maps\");\n";

TEST(StripComments, KeepsLinesAndQuotes) {
  EXPECT_EQ(stripCommentsAndLiterals("a /* b\nc */ d // e\nf \"g\\\"h\" 'i' j"),
            "a     \n     d     \nf \"    \" ' ' j");
}

TEST(StripComments, LineCommentContinuesAfterBackslashNewline) {
  EXPECT_EQ(stripCommentsAndLiterals("// x \\\nXDP_DROP\ny"), "      \n        \ny");
}

TEST(StripComments, UnterminatedLiteralStopsAtLineEnd) {
  EXPECT_EQ(stripCommentsAndLiterals("\"abc\nXDP_TX"), "\"   \nXDP_TX");
}

TEST(SourceScan, CleanStrictProgramPasses) {
  std::string src = std::string(kLru) + "int f(struct xdp_md *c) { return XDP_PASS; }\n";
  EXPECT_TRUE(scanSource(src, Mode::Strict).empty());
}

TEST(SourceScan, ForbiddenNameInCommentOrStringIsNotAViolation) {
  std::string src = std::string(kLru) +
                    "/* return XDP_DROP; bpf_redirect(1, 0); BPF_MAP_TYPE_DEVMAP */\n"
                    "// return TC_ACT_SHOT; bpf_tail_call\n"
                    "const char s[] = \"XDP_ABORTED bpf_ringbuf_output BPF_MAP_TYPE_RINGBUF\";\n"
                    "char c = 'X';\n"
                    "int f(void) { return XDP_PASS; }\n";
  EXPECT_TRUE(scanSource(src, Mode::Strict).empty());
}

TEST(SourceScan, EveryForbiddenVerdictName) {
  std::string src = std::string(kLru) +
                    "XDP_DROP\nXDP_ABORTED\nXDP_REDIRECT\nXDP_TX\nTC_ACT_SHOT\n"
                    "TC_ACT_REDIRECT\nTC_ACT_STOLEN\nXDP_PASS TC_ACT_OK TC_ACT_UNSPEC\n";
  EXPECT_EQ(found(src, Mode::Payload),
            (std::multiset<std::string>{
                "source:2:forbidden-return-code", "source:3:forbidden-return-code",
                "source:4:forbidden-return-code", "source:5:forbidden-return-code",
                "source:6:forbidden-return-code", "source:7:forbidden-return-code",
                "source:8:forbidden-return-code"}));
}

TEST(SourceScan, IdentifierMustMatchWholeToken) {
  std::string src = std::string(kLru) + "int MY_XDP_DROP_COUNT = 0; int xbpf_redirect; 0xXDP_TX;\n";
  EXPECT_TRUE(scanSource(src, Mode::Strict).empty());
}

TEST(SourceScan, ForbiddenHelpersAndMapTypesInEveryMode) {
  std::string src = std::string(kLru) +
                    "bpf_redirect_map(&m, 0, 0);\n"
                    "bpf_skb_change_head(s, 1, 0);\n"
                    "bpf_l4_csum_replace(s, 1, 2, 3, 4);\n"
                    "bpf_tail_call(c, &j, 0);\n"
                    "__uint(type, BPF_MAP_TYPE_XSKMAP);\n"
                    "long (*f)(void) = (void *)BPF_FUNC_clone_redirect;\n";
  std::multiset<std::string> expected{"source:2:forbidden-helper",   "source:3:forbidden-helper",
                                      "source:4:forbidden-helper",   "source:5:tail-call",
                                      "source:6:forbidden-map-type", "source:7:forbidden-helper"};
  EXPECT_EQ(found(src, Mode::Strict), expected);
  EXPECT_EQ(found(src, Mode::Payload), expected);
  EXPECT_EQ(found(src, Mode::Incident), expected);
}

TEST(SourceScan, EventStreamsOnlyForbiddenInStrict) {
  std::string src = std::string(kLru) +
                    "__uint(type, BPF_MAP_TYPE_RINGBUF);\n"
                    "bpf_ringbuf_reserve(&rb, 8, 0);\n"
                    "bpf_perf_event_output(c, &p, 0, d, 4);\n"
                    "bpf_printk(\"x\");\n"
                    "__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);\n";
  EXPECT_EQ(
      found(src, Mode::Strict),
      (std::multiset<std::string>{"source:2:strict-event-map", "source:3:strict-event-helper",
                                  "source:4:strict-event-helper", "source:5:strict-event-helper",
                                  "source:6:strict-event-map"}));
  EXPECT_TRUE(scanSource(src, Mode::Payload).empty());
}

TEST(SourceScan, StrictRequiresLruHash) {
  auto v =
      scanSource("struct { __uint(type, BPF_MAP_TYPE_HASH); } m SEC(\".maps\");\n", Mode::Strict);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].rule, "strict-lru-required");
  EXPECT_EQ(v[0].section, "source");
  EXPECT_EQ(v[0].mode, Mode::Strict);
  EXPECT_EQ(v[0].format(),
            "source: strict-lru-required (mode strict): no BPF_MAP_TYPE_LRU_HASH map is declared");
  EXPECT_TRUE(scanSource("int x;\n", Mode::Payload).empty());
}

TEST(SourceScan, LruInsideCommentDoesNotCount) {
  auto v = scanSource("/* BPF_MAP_TYPE_LRU_HASH */ int x;\n", Mode::Strict);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].rule, "strict-lru-required");
}

TEST(SourceScan, MacroDefinitionIsCode) {
  // A #define of a forbidden name in this file is caught; a macro from a header is only caught
  // by the object scan.
  auto v = scanSource(std::string(kLru) + "#define VERDICT XDP_DROP\n", Mode::Strict);
  ASSERT_EQ(v.size(), 1U);
  EXPECT_EQ(v[0].format(),
            "source:2: forbidden-return-code (mode strict): XDP_DROP is a non-pass verdict");
}

}  // namespace
}  // namespace ibsr::safety
