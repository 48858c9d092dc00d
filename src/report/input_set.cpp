#include "report/input_set.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "core/zstd_file.h"
#include "report/canonical_parser.h"
#include "report/input_labels.h"
#include "report/line_merger.h"
#include "report/line_reader.h"
#include "report/rpc/payload_input.h"
#include "report/snapshot_parser.h"

namespace ibsr::report {
namespace fs = std::filesystem;
namespace {

// A plain file argument is read whatever its name; its family comes from the name all the same.
IpFamily familyOf(const fs::path& file) {
  return familyOfName(file.filename().string());
}

// Counter snapshot lines. A payload line that strays into a counter file is malformed here,
// never "an unsupported version 1" that would stop the run; the check runs only on lines the
// snapshot parser already refused, so the hot path is untouched.
struct CounterFormat {
  using Record = Snapshot;
  using Quality = DataQuality;
  static constexpr InputKind kKind = InputKind::Counters;
  static constexpr std::string_view kNoun = "snapshot";

  ParseStatus parse(const Line& line, Snapshot& out) {
    ParseStatus st = parser.parse(line.data, line.size, line.capacity, out);
    mismatch = st != ParseStatus::Ok && isPayloadLine(std::string_view(line.data, line.size));
    return mismatch ? ParseStatus::Malformed : st;
  }
  // The collector's own lines are parsed as they are read (LineMerger uses these when present).
  LineConsumer* consumer(Snapshot& out) {
    canonical.target(out);
    return &canonical;
  }
  ParseStatus parseConsumed(const Snapshot& out) {
    mismatch = false;
    return parser.finishCanonical(out);
  }
  std::string_view error() const {
    return mismatch ? std::string_view("a payload line in a counter snapshot file")
                    : std::string_view(parser.error());
  }
  static int64_t ts(const Snapshot& s) { return s.ts; }
  static const std::string& runId(const Snapshot& s) { return s.runId; }
  static void setStream(Snapshot& s, uint32_t stream) { s.stream = stream; }
  static uint64_t& delivered(DataQuality& dq) { return dq.snapshots; }

  SnapshotParser parser;
  CanonicalLineParser canonical;
  bool mismatch = false;
};

std::string dirKey(const fs::path& dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(dir.empty() ? fs::path(".") : dir, ec);
  return dirLabel(ec ? dir : abs);
}

InputFile localInput(const fs::path& path, std::string display, std::string dir,
                     const fs::path& parent, InputKind kind) {
  InputFile f;
  f.path = path.string();
  f.display = std::move(display);
  f.dir = std::move(dir);
  f.dirKey = dirKey(parent);
  f.family = familyOf(path);
  f.kind = kind;
  return f;
}

// A plain file argument named neither snapshot_ nor payload_ is routed by its first non-blank
// line. A file that cannot be read stays a counter file: ingest() then reports why.
InputKind sniffKind(const fs::path& path) {
  const std::string name = path.filename().string();
  if (isSnapshotFileName(name) || isPayloadFileName(name)) return kindOfName(name);
  LineReader reader(IngestOptions{}.maxLineBytes);
  if (!reader.open(path.string()).ok()) return InputKind::Counters;
  Line line;
  for (;;) {
    auto more = reader.next(line);
    if (!more.ok() || !*more) return InputKind::Counters;
    const std::string_view text(line.data, line.size);
    if (line.oversized || text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    return isPayloadLine(text) ? InputKind::Payload : InputKind::Counters;
  }
}

// Both X.jsonl and X.jsonl.zst are listed while a collector's --compress-closed is between its
// rename and the removal of the original, or after a crash there: the same lines twice, which
// would be read as two overlapping streams and count the hour twice. The .jsonl goes when the
// .zst holds exactly its bytes (or it is gone already); different lines (a clock set back into a
// compressed hour) are both data and both stay. `found` is sorted, so X.jsonl.zst follows X.jsonl
// with at most other X.jsonl* names between them.
void dropCompressedTwins(std::vector<InputFile>& found) {
  std::vector<bool> drop(found.size(), false);
  for (size_t i = 0; i < found.size(); ++i) {
    const std::string& plain = found[i].path;
    if (plain.size() < 6 || plain.compare(plain.size() - 6, 6, ".jsonl") != 0) continue;
    for (size_t j = i + 1; j < found.size() && found[j].path.starts_with(plain); ++j) {
      if (found[j].path != plain + ".zst") continue;
      auto same = zstdSameContent(found[j].path, plain);
      std::error_code ec;
      drop[i] = same.ok() ? *same : !fs::exists(plain, ec) && !ec;
      break;
    }
  }
  std::vector<InputFile> kept;
  for (size_t i = 0; i < found.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(found[i]));
  found = std::move(kept);
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
        if (!it->is_regular_file(ec) || !isInputFileName(name) || !range.selects(name)) continue;
        fs::path rel = fs::relative(it->path(), p);
        found.push_back(localInput(it->path(), rel.generic_string(),
                                   dirLabel(fs::path(p) / rel.parent_path()),
                                   it->path().parent_path(), kindOfName(name)));
      }
      if (ec) return plainError("cannot read directory '" + p + "': " + ec.message());
      std::sort(found.begin(), found.end(),
                [](const InputFile& a, const InputFile& b) { return a.display < b.display; });
      dropCompressedTwins(found);
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(status)) {
      const fs::path file(p);
      if (!range.selects(file.filename().string())) continue;
      out.push_back(localInput(file, file.filename().string(), dirLabel(file.parent_path()),
                               file.parent_path(), sniffKind(file)));
    } else {
      return plainError("input '" + p + "' is neither a file nor a directory");
    }
  }
  return out;
}

Status ingest(const std::vector<InputFile>& files, const IngestOptions& options, DataQuality& dq,
              const std::function<void(const Snapshot&)>& sink) {
  LineMerger<CounterFormat> merger(files, options, dq);
  return merger.run(sink);
}

}  // namespace ibsr::report
