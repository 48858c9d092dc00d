#include "report/input_set.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <memory>
#include <queue>

#include "core/artefacts.h"
#include "core/log.h"
#include "report/line_reader.h"
#include "report/snapshot_parser.h"

namespace ibsr::report {
namespace fs = std::filesystem;
namespace {

bool isSnapshotName(const std::string& name) {
  return artefact::isNamed(name, artefact::kSnapshotPrefix, artefact::kReadableJsonlSuffixes);
}

// One file being read: the next valid snapshot it holds, and where it came from.
struct Stream {
  size_t fileIndex = 0;
  LineReader reader;
  Snapshot current;
  uint64_t currentLine = 0;
  int64_t lastTs = std::numeric_limits<int64_t>::min();
  explicit Stream(size_t maxLine) : reader(maxLine) {}
};

class Merger {
 public:
  Merger(const std::vector<InputFile>& files, const IngestOptions& options, DataQuality& dq)
      : files_(files), options_(options), dq_(dq) {}

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

  // Reads lines until the next valid snapshot of the stream. False at end of file.
  Result<bool> advance(Stream& s, bool quiet) {
    Line line;
    const std::string& name = files_[s.fileIndex].display;
    for (;;) {
      auto more = s.reader.next(line);
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
      if (std::all_of(line.data, line.data + line.size,
                      [](char c) { return c == ' ' || c == '\t' || c == '\r'; })) {
        if (!quiet) ++dq_.blankLines;
        continue;
      }
      ParseStatus st = parser_.parse(line.data, line.size, line.capacity, s.current);
      if (st == ParseStatus::UnsupportedVersion) {
        if (quiet) continue;  // reported with its position when the file is read for real
        return plainError(fmt::format("{}:{}: {}", name, line.number, parser_.error()));
      }
      if (st == ParseStatus::Malformed) {
        if (!quiet) {
          ++dq_.malformedLines;
          if (line.lastWithoutNewline) {
            ++dq_.tornLastLines;
            warn("{}:{}: torn last line skipped: {}", name, line.number, parser_.error());
          } else {
            warn("{}:{}: malformed snapshot skipped: {}", name, line.number, parser_.error());
          }
        }
        continue;
      }
      if (!quiet && s.current.ts < s.lastTs) {
        ++dq_.outOfOrderLines;
        warn("{}:{}: snapshot at {} is earlier than the previous one of this file; skipped", name,
             line.number, s.current.ts);
        continue;
      }
      s.currentLine = line.number;
      return true;
    }
  }

  Status run(const std::function<void(const Snapshot&)>& sink) {
    // First timestamp of every file, read quietly, decides when the file joins the merge.
    constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
    std::vector<int64_t> firstTs(files_.size(), kNever);
    for (size_t i = 0; i < files_.size(); ++i) {
      Stream s(options_.maxLineBytes);
      s.fileIndex = i;
      if (auto st = s.reader.open(files_[i].path); !st.ok()) return st.error();
      auto got = advance(s, true);
      if (!got.ok()) return got.error();
      if (*got) firstTs[i] = s.current.ts;
    }
    std::vector<size_t> order(files_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return firstTs[a] < firstTs[b]; });

    auto later = [](const Stream* a, const Stream* b) {
      if (a->current.ts != b->current.ts) return a->current.ts > b->current.ts;
      if (a->fileIndex != b->fileIndex) return a->fileIndex > b->fileIndex;
      return a->currentLine > b->currentLine;
    };
    std::priority_queue<Stream*, std::vector<Stream*>, decltype(later)> heap(later);
    std::vector<std::unique_ptr<Stream>> streams;
    size_t next = 0;
    for (;;) {
      while (next < order.size() &&
             (heap.empty() || firstTs[order[next]] <= heap.top()->current.ts)) {
        size_t i = order[next++];
        auto s = std::make_unique<Stream>(options_.maxLineBytes);
        s->fileIndex = i;
        if (auto st = s->reader.open(files_[i].path); !st.ok()) return st.error();
        ++dq_.files;
        auto got = advance(*s, false);
        if (!got.ok()) return got.error();
        if (*got) {
          heap.push(s.get());
          streams.push_back(std::move(s));
        }
      }
      if (heap.empty()) break;
      Stream* top = heap.top();
      heap.pop();
      ++dq_.snapshots;
      sink(top->current);
      top->lastTs = top->current.ts;
      auto got = advance(*top, false);
      if (!got.ok()) return got.error();
      if (*got) {
        heap.push(top);
      } else {
        top->reader.close();
        top->current = Snapshot{};
      }
    }
    return {};
  }

 private:
  const std::vector<InputFile>& files_;
  const IngestOptions& options_;
  DataQuality& dq_;
  SnapshotParser parser_;
  size_t warnings_ = 0;
};

}  // namespace

Result<std::vector<InputFile>> findInputFiles(const std::vector<std::string>& paths) {
  std::vector<InputFile> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    auto status = fs::status(p, ec);
    if (ec) return plainError("cannot read input '" + p + "': " + ec.message());
    if (fs::is_directory(status)) {
      std::vector<InputFile> found;
      fs::recursive_directory_iterator it(p, fs::directory_options::follow_directory_symlink, ec);
      if (ec) return plainError("cannot read directory '" + p + "': " + ec.message());
      for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) return plainError("cannot read directory '" + p + "': " + ec.message());
        if (!it->is_regular_file(ec) || !isSnapshotName(it->path().filename().string())) continue;
        found.push_back({it->path().string(), fs::relative(it->path(), p).generic_string()});
      }
      if (ec) return plainError("cannot read directory '" + p + "': " + ec.message());
      std::sort(found.begin(), found.end(),
                [](const InputFile& a, const InputFile& b) { return a.display < b.display; });
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(status)) {
      out.push_back({p, fs::path(p).filename().string()});
    } else {
      return plainError("input '" + p + "' is neither a file nor a directory");
    }
  }
  return out;
}

Status ingest(const std::vector<InputFile>& files, const IngestOptions& options, DataQuality& dq,
              const std::function<void(const Snapshot&)>& sink) {
  Merger merger(files, options, dq);
  return merger.run(sink);
}

}  // namespace ibsr::report
