#include "report/input_set.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <tuple>

#include "core/log.h"
#include "report/input_labels.h"
#include "report/line_reader.h"
#include "report/snapshot_parser.h"

namespace ibsr::report {
namespace fs = std::filesystem;
namespace {

// A plain file argument is read whatever its name; its family comes from the name all the same.
IpFamily familyOf(const fs::path& file) {
  return familyOfName(file.filename().string());
}

// One file being read: the next valid snapshot it holds, and where it came from.
struct Stream {
  size_t fileIndex = 0;
  LineReader reader;
  Snapshot current;
  uint64_t currentLine = 0;
  int64_t lastTs = std::numeric_limits<int64_t>::min();
  size_t dir = 0;     // index of its directory
  uint32_t part = 0;  // the part of that directory it belongs to
  // The stream of the last line delivered: consecutive lines almost always share it.
  std::string lastRunId;
  uint32_t lastStream = UINT32_MAX;
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

  Status open(size_t file, LineReader& reader) {
    if (options_.open) return options_.open(files_[file], reader);
    return reader.open(files_[file].path);
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
      if (auto st = open(i, s.reader); !st.ok()) return st.error();
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
        if (auto st = open(i, s->reader); !st.ok()) return st.error();
        ++dq_.files;
        auto got = advance(*s, false);
        if (!got.ok()) return got.error();
        if (*got) {
          join(*s);
          heap.push(s.get());
          streams.push_back(std::move(s));
        }
      }
      if (heap.empty()) break;
      Stream* top = heap.top();
      heap.pop();
      auto stream = streamOf(*top);
      if (!stream.ok()) return stream.error();
      top->current.stream = *stream;
      StreamInfo& info = dq_.streams[*stream];
      if (info.snapshots++ == 0) info.firstTs = top->current.ts;
      info.lastTs = top->current.ts;
      ++dq_.snapshots;
      sink(top->current);
      top->lastTs = top->current.ts;
      auto got = advance(*top, false);
      if (!got.ok()) return got.error();
      if (*got) {
        heap.push(top);
      } else {
        --dirs_[top->dir].activeFiles[top->part];
        top->reader.close();
        top->current = Snapshot{};
      }
    }
    return {};
  }

  // A file joins the first part of its directory that no other open file is feeding. Files of one
  // collector follow each other in time, so they all land in part 0; a file that begins while
  // another file of the directory still has later snapshots overlaps it and needs a part of its
  // own, or two cumulative counters would be subtracted from each other.
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
          f.display, s.currentLine, s.current.ts, f.dir, s.part + 1);
    }
  }

  Result<uint32_t> streamOf(Stream& s) {
    if (s.lastStream != UINT32_MAX && s.current.runId == s.lastRunId) return s.lastStream;
    auto [it, added] = streamIndex_.try_emplace(std::make_tuple(s.dir, s.part, s.current.runId),
                                                uint32_t(dq_.streams.size()));
    if (added) {
      if (dq_.streams.size() >= kMaxStreams)
        return plainError(fmt::format("{}:{}: more than {} streams (directories x runs)",
                                      files_[s.fileIndex].display, s.currentLine, kMaxStreams));
      dq_.streams.push_back(
          StreamInfo{dirs_[s.dir].label, dirs_[s.dir].family, s.current.runId, s.part, 0, 0, 0});
    }
    s.lastRunId = s.current.runId;
    s.lastStream = it->second;
    return it->second;
  }

 private:
  const std::vector<InputFile>& files_;
  const IngestOptions& options_;
  DataQuality& dq_;
  SnapshotParser parser_;
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

std::string dirKey(const fs::path& dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(dir.empty() ? fs::path(".") : dir, ec);
  return dirLabel(ec ? dir : abs);
}

}  // namespace

Result<std::vector<InputFile>> findInputFiles(const std::vector<std::string>& paths,
                                              const HourRange& range) {
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
        const std::string name = it->path().filename().string();
        if (!it->is_regular_file(ec) || !isSnapshotFileName(name) || !range.selects(name)) continue;
        fs::path rel = fs::relative(it->path(), p);
        found.push_back({it->path().string(),
                         rel.generic_string(),
                         dirLabel(fs::path(p) / rel.parent_path()),
                         dirKey(it->path().parent_path()),
                         familyOf(it->path()),
                         {},
                         {},
                         0,
                         {},
                         InputKind::Counters});
      }
      if (ec) return plainError("cannot read directory '" + p + "': " + ec.message());
      std::sort(found.begin(), found.end(),
                [](const InputFile& a, const InputFile& b) { return a.display < b.display; });
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(status)) {
      if (!range.selects(fs::path(p).filename().string())) continue;
      out.push_back({p,
                     fs::path(p).filename().string(),
                     dirLabel(fs::path(p).parent_path()),
                     dirKey(fs::path(p).parent_path()),
                     familyOf(p),
                     {},
                     {},
                     0,
                     {},
                     InputKind::Counters});
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
