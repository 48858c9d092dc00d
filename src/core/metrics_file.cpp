#include "core/metrics_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <fstream>

#include "core/log.h"
#include "core/unique_fd.h"

namespace ibsr::metrics {
namespace {

// The text format escapes backslash and newline in HELP texts, and also '"' in label values.
std::string escape(std::string_view text, bool quotes) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '\n' || (quotes && c == '"')) out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

Status writeAll(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sysError("cannot write '" + path + "'", n < 0 ? errno : ENOSPC);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

Labels modeLabels(std::string_view mode, std::string_view iface) {
  Labels labels{{"mode", std::string(mode)}};
  if (!iface.empty()) labels.emplace_back("interface", std::string(iface));
  return labels;
}

std::string escapeLabelValue(std::string_view value) {
  return escape(value, true);
}

std::string sampleKey(std::string_view name, const Labels& labels) {
  std::string out(name);
  if (labels.empty()) return out;
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + '"';
  }
  out += '}';
  return out;
}

void Exposition::add(const std::string& name, Type type, std::string_view help, Labels labels,
                     std::uint64_t value) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  }
  it->second.samples[std::move(labels)] = value;
}

std::string Exposition::text() const {
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + ' ' + escape(family.help, false) + '\n';
    out += "# TYPE " + name + (family.type == Type::Counter ? " counter\n" : " gauge\n");
    for (const auto& [labels, value] : family.samples)
      out += sampleKey(name, labels) + ' ' + std::to_string(value) + '\n';
  }
  return out;
}

Status replaceFile(const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp";
  Status st;
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) return sysError("cannot create '" + tmp + "'");
    // Readable by node_exporter, which runs as another user, whatever the umask.
    if (::fchmod(fd.get(), 0644) != 0) st = sysError("cannot chmod '" + tmp + "'");
    if (st.ok()) st = writeAll(fd.get(), text, tmp);
    if (st.ok() && ::fsync(fd.get()) != 0) st = sysError("cannot fsync '" + tmp + "'");
  }
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    st = sysError("cannot rename '" + tmp + "' to '" + path + "'");
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

std::map<std::string, std::uint64_t> readSamples(const std::string& path) {
  std::map<std::string, std::uint64_t> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    std::uint64_t value = 0;
    const char* first = line.data() + space + 1;
    const char* last = line.data() + line.size();
    auto [end, ec] = std::from_chars(first, last, value);
    if (ec == std::errc() && end == last) out[line.substr(0, space)] = value;
  }
  return out;
}

MetricsFile::MetricsFile(std::string path, Labels labels)
    : path_(std::move(path)), labels_(std::move(labels)) {}

bool MetricsFile::write(Exposition exposition) {
  if (!enabled()) return false;
  exposition.add("ibsr_metrics_write_errors_total", Type::Counter,
                 "Failed writes of this metrics file (the process keeps running)", labels_,
                 writeErrors_);
  Status st = replaceFile(path_, exposition.text());
  if (st.ok()) {
    if (failing_) log::notice("metrics file {} written again", path_);
    failing_ = false;
    return true;
  }
  ++writeErrors_;
  if (!failing_)
    log::warn("{} (metrics file not updated; collection continues, warning once until it works)",
              st.error().message);
  failing_ = true;
  return false;
}

}  // namespace ibsr::metrics
