#include "report/input_labels.h"

#include "core/artefacts.h"

namespace ibsr::report {

bool isSnapshotFileName(std::string_view name) {
  return artefact::isNamed(name, artefact::kSnapshotPrefix, artefact::kReadableJsonlSuffixes) ||
         artefact::isNamed(name, artefact::kSnapshot6Prefix, artefact::kReadableJsonlSuffixes);
}

bool isPayloadFileName(std::string_view name) {
  return artefact::isNamed(name, artefact::kPayloadPrefix, artefact::kReadableJsonlSuffixes);
}

bool isInputFileName(std::string_view name) {
  return isSnapshotFileName(name) || isPayloadFileName(name);
}

InputKind kindOfName(std::string_view name) {
  return name.starts_with(artefact::kPayloadPrefix) ? InputKind::Payload : InputKind::Counters;
}

IpFamily familyOfName(std::string_view name) {
  return name.starts_with(artefact::kSnapshot6Prefix) ? IpFamily::V6 : IpFamily::V4;
}

std::string dirLabel(const std::filesystem::path& dir) {
  std::string text = dir.lexically_normal().generic_string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text.empty() ? "." : text;
}

}  // namespace ibsr::report
