#include "report/s3_inputs.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "core/artefacts.h"
#include "core/log.h"
#include "report/input_labels.h"

namespace ibsr::report {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kScheme = "s3://";

// The hourly object families a folder holds, listed by prefix when a time range is given.
constexpr std::string_view kHourlyPrefixes[] = {
    artefact::kSnapshot6Prefix, artefact::kSnapshotPrefix, artefact::kPayloadPrefix};

std::string baseName(const std::string& key) {
  auto slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

std::string parentOf(const std::string& key) {
  auto slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}

// Lists every object under `prefix` (all pages) and calls `take` for each; `take` returns false
// to stop paging.
template <typename Take>
Status listAll(s3::S3Client& client, const s3::ListRequest& request, Take take) {
  return client.listPages(request, s3::kMaxListPages, [&](const s3::ListPage& page, std::string&) {
    for (const auto& [key, info] : page.objects)
      if (!take(key, info)) return false;
    return true;
  });
}

class Lister {
 public:
  Lister(s3::S3Client& client, const S3Url& url, const HourRange& range)
      : client_(client), url_(url), range_(range) {}

  // Every snapshot and payload object under `folder` ("" or ending in '/').
  Status folder(const std::string& folder) {
    if (!range_.active()) {
      return listAll(client_, {folder, "", "", 1000}, [&](const std::string& key, auto& info) {
        add(folder, key, info);
        return true;
      });
    }
    return walk(folder, folder);
  }

  // `anyName`: an object named on the command line is read whatever its name, like a local file;
  // its kind comes from its name alone (payload_ or not): its first line is not fetched to tell.
  void add(const std::string& root, const std::string& key, const s3::ObjectInfo& info,
           bool anyName = false) {
    const std::string name = baseName(key);
    if ((!anyName && !isInputFileName(name)) || !range_.selects(name)) return;
    const std::string rel = key.substr(root.size());
    found_.push_back(makeInput(key, rel, parentOf(rel), root, info));
  }

  InputFile makeInput(const std::string& key, const std::string& display,
                      const std::string& relParent, const std::string& root,
                      const s3::ObjectInfo& info) const {
    InputFile f;
    f.path = fmt::format("{}{}/{}", kScheme, url_.bucket, key);
    f.display = display;
    // As if the bucket were downloaded into a folder named after it and that path given.
    f.dir = dirLabel(fs::path(url_.bucket + "/" + root) / relParent);
    f.dirKey = fmt::format("{}{}/{}", kScheme, url_.bucket, parentOf(key));
    f.family = familyOfName(baseName(key));
    f.bucket = url_.bucket;
    f.key = key;
    f.size = info.size;
    f.etag = info.etag;
    f.kind = kindOfName(baseName(key));
    return f;
  }

  std::vector<InputFile> take() { return std::move(found_); }

 private:
  // With a time range: the hourly objects of this folder by marker, then its subfolders.
  Status walk(const std::string& root, const std::string& folder) {
    for (std::string_view family : kHourlyPrefixes) {
      const std::string prefix = folder + std::string(family);
      // Keys sort by hour: start just before the first hour's files, stop after the last's.
      const std::string marker = range_.from ? prefix + hourDigits(*range_.from) : "";
      Status st = listAll(client_, {prefix, "", marker, 1000},
                          [&](const std::string& key, const s3::ObjectInfo& info) {
                            if (key.find('/', prefix.size()) != std::string::npos) return true;
                            auto hour = hourOfName(baseName(key));
                            if (hour && range_.to && *hour >= *range_.to) return false;
                            add(root, key, info);
                            return true;
                          });
      if (!st.ok()) return st;
    }
    std::vector<std::string> subfolders;
    Status listed =
        client_.listPages({folder, "/", "", 1000}, s3::kMaxListPages,
                          [&](const s3::ListPage& page, std::string& next) {
                            subfolders.insert(subfolders.end(), page.commonPrefixes.begin(),
                                              page.commonPrefixes.end());
                            // Jump over the hourly files listed above rather than page through them
                            // again.
                            for (std::string_view family : kHourlyPrefixes) {
                              const std::string prefix = folder + std::string(family);
                              if (next.starts_with(prefix)) next = prefix + "~";
                            }
                            return true;
                          });
    if (!listed.ok()) return listed;
    for (const std::string& sub : subfolders)
      if (Status st = walk(root, sub); !st.ok()) return st;
    return {};
  }

  s3::S3Client& client_;
  const S3Url& url_;
  const HourRange& range_;
  std::vector<InputFile> found_;
};

}  // namespace

bool isS3Url(const std::string& input) {
  return input.starts_with(kScheme);
}

Result<S3Url> parseS3Url(const std::string& input) {
  std::string rest = input.substr(kScheme.size());
  auto slash = rest.find('/');
  S3Url url{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (url.bucket.empty())
    return plainError("input '" + input + "': expected s3://BUCKET[/KEY-PREFIX]");
  return url;
}

Result<std::vector<InputFile>> findS3Inputs(S3ClientPool& pool, const std::string& input,
                                            const HourRange& range) {
  auto url = parseS3Url(input);
  if (!url.ok()) return url.error();
  auto client = pool.acquire(url->bucket);
  Lister lister(*client, *url, range);
  Status st;
  const std::string& key = url->key;
  if (key.empty() || key.back() == '/') {
    st = lister.folder(key);
  } else {
    // One object if a key is exactly KEY, else the folder KEY/.
    auto page = client->listPage({key, "", "", 1});
    if (!page.ok()) {
      st = page.error();
    } else if (!page->objects.empty() && page->objects.front().first == key) {
      const s3::ObjectInfo& info = page->objects.front().second;
      const std::string parent = parentOf(key);
      lister.add(parent.empty() ? "" : parent + "/", key, info, true);
    } else {
      st = lister.folder(key + "/");
    }
  }
  pool.release(std::move(client));
  if (!st.ok()) return st.error();
  std::vector<InputFile> found = lister.take();
  std::sort(found.begin(), found.end(),
            [](const InputFile& a, const InputFile& b) { return a.display < b.display; });
  const auto payload = std::count_if(
      found.begin(), found.end(), [](const InputFile& f) { return f.kind == InputKind::Payload; });
  if (payload == 0) {
    log::info("{}: {} snapshot object(s)", input, found.size());
  } else {
    log::info("{}: {} snapshot object(s), {} payload object(s)", input, found.size() - payload,
              payload);
  }
  return found;
}

}  // namespace ibsr::report
