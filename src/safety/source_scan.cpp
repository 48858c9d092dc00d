// Source scan: a fast first line of defence with readable line numbers. It sees only this file's
// text (not headers, not macros defined elsewhere), so the object scan is the proof.
#include "safety/source_scan.h"

#include <cctype>
#include <set>
#include <utility>

#include "safety/policy.h"
#include "safety/rules.h"
#include "safety/verifier.h"

namespace ibsr::safety {

std::string stripCommentsAndLiterals(std::string_view src) {
  enum class State { Code, LineComment, BlockComment, String, Char };
  std::string out(src);
  State state = State::Code;
  for (std::size_t i = 0; i < src.size(); ++i) {
    char c = src[i];
    char next = i + 1 < src.size() ? src[i + 1] : '\0';
    auto blank = [&](std::size_t at) {
      if (out[at] != '\n') out[at] = ' ';
    };
    switch (state) {
      case State::Code:
        if (c == '/' && next == '/') {
          state = State::LineComment;
          blank(i);
        } else if (c == '/' && next == '*') {
          state = State::BlockComment;
          blank(i);
          blank(++i);
        } else if (c == '"') {
          state = State::String;
        } else if (c == '\'') {
          state = State::Char;
        }
        break;
      case State::LineComment:
        // A backslash-newline continues a // comment onto the next line (translation phase 2).
        if (c == '\n') {
          state = State::Code;
        } else if (c == '\\' && next == '\n') {
          blank(i);
          ++i;
        } else {
          blank(i);
        }
        break;
      case State::BlockComment:
        blank(i);
        if (c == '*' && next == '/') {
          blank(++i);
          state = State::Code;
        }
        break;
      case State::String:
      case State::Char: {
        char quote = state == State::String ? '"' : '\'';
        if (c == '\\' && i + 1 < src.size()) {
          blank(i);
          blank(++i);
        } else if (c == quote) {
          state = State::Code;
        } else if (c == '\n') {
          state = State::Code;  // unterminated literal: stop at the line end like the compiler
        } else {
          blank(i);
        }
        break;
      }
    }
  }
  return out;
}

namespace {

bool isIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct HelperRule {
  std::string_view rule;
  std::string_view what;
};

std::optional<HelperRule> helperRule(const HelperInfo& h, Mode mode) {
  switch (h.cls) {
    case HelperClass::Forbidden:
      return HelperRule{rule::kForbiddenHelper, "forbidden helper"};
    case HelperClass::TailCall:
      return HelperRule{rule::kTailCall, "tail call"};
    case HelperClass::StrictEvent:
      if (mode == Mode::Strict) return HelperRule{rule::kStrictEventHelper, "event helper"};
      return std::nullopt;
    case HelperClass::Allowed:
      if (mode == Mode::Strict && !strictAllowsHelper(h.name))
        return HelperRule{rule::kStrictHelperNotAllowed,
                          "helper not on StrictCounter's allow-list:"};
      return std::nullopt;
  }
  return std::nullopt;
}

class SourceScanner {
 public:
  explicit SourceScanner(Mode mode) : mode_(mode) {}

  void identifier(std::string_view id, long line) {
    for (auto v : forbiddenVerdictIdentifiers()) {
      if (id == v)
        add(line, rule::kForbiddenReturnCode, std::string(id) + " is a non-pass verdict");
    }
    // bpf_<helper> calls and BPF_FUNC_<helper> ids (used to call a helper by number).
    std::string_view helper;
    if (id.starts_with("bpf_")) helper = id.substr(4);
    if (id.starts_with("BPF_FUNC_")) helper = id.substr(9);
    if (id == "bpf_printk") helper = "trace_printk";  // libbpf macro over bpf_trace_printk
    if (!helper.empty()) {
      if (auto info = helperByName(helper)) {
        if (auto r = helperRule(*info, mode_)) {
          add(line, r->rule, std::string(r->what) + " " + std::string(id));
        }
      }
    }
    if (id.starts_with("BPF_MAP_TYPE_")) {
      if (auto info = mapTypeByName(toLower(id.substr(13)))) {
        if (info->cls == MapClass::Forbidden) {
          add(line, rule::kForbiddenMapType, "forbidden map type " + std::string(id));
        } else if (info->cls == MapClass::StrictEvent && mode_ == Mode::Strict) {
          add(line, rule::kStrictEventMap, "event map type " + std::string(id));
        } else if (info->cls == MapClass::Lru) {
          sawLru_ = true;
        }
      }
    }
  }

  std::vector<Violation> finish() {
    if (mode_ == Mode::Strict && !sawLru_) {
      out_.push_back(Violation{"source", -1, std::string(rule::kStrictLruRequired), mode_,
                               "no BPF_MAP_TYPE_LRU_HASH map is declared"});
    }
    return std::move(out_);
  }

 private:
  void add(long line, std::string_view rule, std::string detail) {
    if (!seen_.insert({line, detail}).second) return;
    out_.push_back(Violation{"source:" + std::to_string(line), -1, std::string(rule), mode_,
                             std::move(detail)});
  }

  Mode mode_;
  bool sawLru_ = false;
  std::set<std::pair<long, std::string>> seen_;
  std::vector<Violation> out_;
};

}  // namespace

std::vector<Violation> scanSource(std::string_view source, Mode mode) {
  std::string code = stripCommentsAndLiterals(source);
  SourceScanner scanner(mode);
  long line = 1;
  for (std::size_t i = 0; i < code.size();) {
    char c = code[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (isIdentStart(c)) {
      std::size_t start = i;
      while (i < code.size() && isIdentChar(code[i])) ++i;
      scanner.identifier(std::string_view(code).substr(start, i - start), line);
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      // A number (0x1eULL...) is one pp-number; its letters are not identifiers.
      while (i < code.size() && (isIdentChar(code[i]) || code[i] == '.')) ++i;
    } else {
      ++i;
    }
  }
  return scanner.finish();
}

}  // namespace ibsr::safety
