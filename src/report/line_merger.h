// The time-ordered merge of hourly JSONL files into streams (REPORT.md "Streams"), shared by the
// counter snapshots (input_set.cpp) and the application-layer payload lines
// (rpc/payload_input.cpp) so both kinds split directories, order ties, skip bad lines and warn in
// exactly the same way. A Format says how one kind's lines are parsed and counted:
//   using Record, Quality;                        // what a line becomes; its data-quality counts
//   static constexpr InputKind kKind;             // the files it reads (others are passed over)
//   static constexpr std::string_view kNoun;      // "snapshot": names a line in warnings
//   ParseStatus parse(const Line&, Record&);      // with error() on failure
//   optionally LineConsumer* consumer(Record&) and ParseStatus parseConsumed(const Record&):
//     parses lines as they are read; a line it declines goes to parse() whole
//   static int64_t ts(const Record&);
//   static const std::string& runId(const Record&);  // a stream boundary inside a directory
//   static void setStream(Record&, uint32_t);
//   static uint64_t& delivered(Quality&);         // valid lines delivered
// Files are merged lazily: a file is opened only when its first line is due, so normally one file
// per stream is open at a time and memory holds one line per open file.
#pragma once

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/log.h"
#include "report/input_set.h"
#include "report/line_reader.h"
#include "report/snapshot_parser.h"

namespace ibsr::report {

template <typename Format>
class LineMerger {
 public:
  using Record = typename Format::Record;
  using Quality = typename Format::Quality;

  LineMerger(const std::vector<InputFile>& files, const IngestOptions& options, Quality& dq)
      : files_(files), options_(options), dq_(dq) {}

  Status run(const std::function<void(const Record&)>& sink) {
    // First timestamp of every file, read quietly, decides when the file joins the merge.
    constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
    std::vector<size_t> order;
    std::vector<int64_t> firstTs(files_.size(), kNever);
    // Streams are reused, file after file: a reader's buffer and a record's vectors grow to the
    // longest line once (a 1M-key line is 134 MB), instead of once per file, and memory holds one
    // buffer per stream open at a time, not one per file.
    std::vector<std::unique_ptr<Stream>> streams;
    std::vector<Stream*> spare;
    auto reuse = [&](size_t file) {
      Stream* s = nullptr;
      if (spare.empty()) {
        streams.push_back(std::make_unique<Stream>(options_.maxLineBytes));
        s = streams.back().get();
      } else {
        s = spare.back();
        spare.pop_back();
      }
      s->restart(file);
      return s;
    };
    // The file that will be read first is kept open as probed when its first line was valid:
    // that line (134 MB for 1M keys) is then not read and parsed a second time. Later lines are
    // what the quiet probe skips and counts nothing for, hence only line 1.
    Stream* held = nullptr;
    int64_t heldTs = kNever;
    for (size_t i = 0; i < files_.size(); ++i) {
      if (files_[i].kind != Format::kKind) continue;
      order.push_back(i);
      Stream* s = reuse(i);
      auto opened = open(i, s->reader);
      if (!opened.ok()) return opened.error();
      auto got = advance(*s, true);
      if (!got.ok()) return got.error();
      if (*got) firstTs[i] = Format::ts(s->current);
      if (*got && firstTs[i] < heldTs) {  // the earliest so far; ties stay with the lower index
        heldTs = firstTs[i];
        if (held != nullptr) {
          held->reader.close();
          spare.push_back(held);
          held = nullptr;
        }
        if (s->currentLine == 1) {
          held = s;
          continue;
        }
      }
      s->reader.close();
      spare.push_back(s);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return firstTs[a] < firstTs[b]; });

    auto later = [](const Stream* a, const Stream* b) {
      const int64_t ta = Format::ts(a->current), tb = Format::ts(b->current);
      if (ta != tb) return ta > tb;
      if (a->fileIndex != b->fileIndex) return a->fileIndex > b->fileIndex;
      return a->currentLine > b->currentLine;
    };
    std::priority_queue<Stream*, std::vector<Stream*>, decltype(later)> heap(later);
    size_t next = 0;
    for (;;) {
      while (next < order.size() &&
             (heap.empty() || firstTs[order[next]] <= Format::ts(heap.top()->current))) {
        size_t i = order[next++];
        Stream* s = nullptr;
        Result<bool> got = true;
        if (held != nullptr && held->fileIndex == i) {
          s = held;  // positioned after its valid line 1, which is counted now
          held = nullptr;
          ++dq_.files;
          ++dq_.lines;
        } else {
          s = reuse(i);
          if (auto st = open(i, s->reader); !st.ok()) return st.error();
          ++dq_.files;
          got = advance(*s, false);
        }
        if (!got.ok()) return got.error();
        if (*got) {
          join(*s);
          heap.push(s);
        } else {
          s->reader.close();
          spare.push_back(s);
        }
      }
      if (heap.empty()) break;
      Stream* top = heap.top();
      heap.pop();
      auto stream = streamOf(*top);
      if (!stream.ok()) return stream.error();
      Format::setStream(top->current, *stream);
      const int64_t ts = Format::ts(top->current);
      StreamInfo& info = dq_.streams[*stream];
      if (info.snapshots++ == 0) info.firstTs = ts;
      info.lastTs = ts;
      ++Format::delivered(dq_);
      sink(top->current);
      top->lastTs = ts;
      auto got = advance(*top, false);
      if (!got.ok()) return got.error();
      if (*got) {
        heap.push(top);
      } else {
        --dirs_[top->dir].activeFiles[top->part];
        top->reader.close();
        spare.push_back(top);
      }
    }
    return {};
  }

 private:
  // One file being read: the next valid line it holds, and where it came from.
  struct Stream {
    size_t fileIndex = 0;
    LineReader reader;
    Record current;
    uint64_t currentLine = 0;
    int64_t lastTs = std::numeric_limits<int64_t>::min();
    size_t dir = 0;     // index of its directory
    uint32_t part = 0;  // the part of that directory it belongs to
    // The stream of the last line delivered: consecutive lines almost always share it.
    std::string lastRunId;
    uint32_t lastStream = UINT32_MAX;
    explicit Stream(size_t maxLine) : reader(maxLine) {}
    // Ready for another file; the reader's buffer and the record's capacity are kept.
    void restart(size_t file) {
      fileIndex = file;
      currentLine = 0;
      lastTs = std::numeric_limits<int64_t>::min();
      dir = 0;
      part = 0;
      lastRunId.clear();
      lastStream = UINT32_MAX;
    }
  };

  template <typename... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) {
    if (options_.silent) return;
    ++warnings_;
    if (warnings_ <= options_.maxWarnings) {
      log::warn(f, std::forward<Args>(args)...);
    } else if (warnings_ == options_.maxWarnings + 1) {
      log::warn("further input warnings suppressed (the report counts them all)");
    }
  }

  Status open(size_t file, LineReader& reader) {
    if (options_.open) return options_.open(files_[file], reader);
    return reader.open(files_[file].path);
  }

  // Reads lines until the next valid line of the file. False at end of file.
  Result<bool> advance(Stream& s, bool quiet) {
    Line line;
    const std::string& name = files_[s.fileIndex].display;
    for (;;) {
      LineConsumer* consumer = nullptr;
      if constexpr (requires { format_.consumer(s.current); })
        consumer = format_.consumer(s.current);
      auto more = s.reader.next(line, consumer);
      if (!more.ok()) return more.error();
      if (!*more) return false;
      if (!quiet) ++dq_.lines;
      if (line.oversized) {
        if (!quiet) {
          ++dq_.oversizedLines;
          warn("{}:{}: line longer than {} bytes skipped", name, line.number,
               options_.maxLineBytes);
        }
        continue;
      }
      ParseStatus st = ParseStatus::Malformed;
      if constexpr (requires { format_.parseConsumed(s.current); }) {
        if (line.consumed) st = format_.parseConsumed(s.current);
      }
      if (!line.consumed) {
        if (std::all_of(line.data, line.data + line.size,
                        [](char c) { return c == ' ' || c == '\t' || c == '\r'; })) {
          if (!quiet) ++dq_.blankLines;
          continue;
        }
        st = format_.parse(line, s.current);
      }
      if (st == ParseStatus::UnsupportedVersion) {
        if (quiet) continue;  // reported with its position when the file is read for real
        return plainError(fmt::format("{}:{}: {}", name, line.number, format_.error()));
      }
      if (st == ParseStatus::Malformed) {
        if (!quiet) {
          ++dq_.malformedLines;
          if (line.lastWithoutNewline) {
            ++dq_.tornLastLines;
            warn("{}:{}: torn last line skipped: {}", name, line.number, format_.error());
          } else {
            warn("{}:{}: malformed {} skipped: {}", name, line.number, Format::kNoun,
                 format_.error());
          }
        }
        continue;
      }
      if (!quiet && Format::ts(s.current) < s.lastTs) {
        ++dq_.outOfOrderLines;
        warn("{}:{}: {} at {} is earlier than the previous one of this file; skipped", name,
             line.number, Format::kNoun, Format::ts(s.current));
        continue;
      }
      s.currentLine = line.number;
      return true;
    }
  }

  // A file joins the first part of its directory that no other open file is feeding. Files of one
  // collector follow each other in time, so they all land in part 0; a file that begins while
  // another file of the directory still has later lines overlaps it and needs a part of its own,
  // or two collectors' lines would be read as one stream.
  void join(Stream& s) {
    const InputFile& f = files_[s.fileIndex];
    auto [it, added] = dirIndex_.try_emplace(std::make_pair(f.dirKey, f.family), dirs_.size());
    if (added) dirs_.push_back(Dir{f.dir, f.family, {}});
    Dir& d = dirs_[it->second];
    s.dir = it->second;
    s.part = 0;
    while (s.part < d.activeFiles.size() && d.activeFiles[s.part] > 0) ++s.part;
    const bool newPart = s.part == d.activeFiles.size();
    if (newPart) d.activeFiles.push_back(0);
    ++d.activeFiles[s.part];
    if (newPart && s.part > 0 && !options_.silent) {
      ++dq_.streamSplits;
      warn(
          "{}:{}: begins at {} while another file of '{}' is still being read; timestamps go "
          "back, so it is read as a separate stream (part {})",
          f.display, s.currentLine, Format::ts(s.current), f.dir, s.part + 1);
    }
  }

  Result<uint32_t> streamOf(Stream& s) {
    const std::string& runId = Format::runId(s.current);
    if (s.lastStream != UINT32_MAX && runId == s.lastRunId) return s.lastStream;
    auto [it, added] = streamIndex_.try_emplace(std::make_tuple(s.dir, s.part, runId),
                                                uint32_t(dq_.streams.size()));
    if (added) {
      if (dq_.streams.size() >= kMaxStreams)
        return plainError(fmt::format("{}:{}: more than {} streams (directories x runs)",
                                      files_[s.fileIndex].display, s.currentLine, kMaxStreams));
      dq_.streams.push_back(
          StreamInfo{dirs_[s.dir].label, dirs_[s.dir].family, runId, s.part, 0, 0, 0});
    }
    s.lastRunId = runId;
    s.lastStream = it->second;
    return it->second;
  }

  const std::vector<InputFile>& files_;
  const IngestOptions& options_;
  Quality& dq_;
  Format format_;
  size_t warnings_ = 0;
  // One directory's files of one family (snapshot_ and snapshot6_ files overlap in time by design).
  struct Dir {
    std::string label;
    IpFamily family;
    std::vector<uint32_t> activeFiles;  // per part: files open and not yet exhausted
  };
  std::vector<Dir> dirs_;
  std::map<std::pair<std::string, IpFamily>, size_t> dirIndex_;
  std::map<std::tuple<size_t, uint32_t, std::string>, uint32_t> streamIndex_;
};

}  // namespace ibsr::report
