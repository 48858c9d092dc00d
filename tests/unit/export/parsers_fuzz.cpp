// libFuzzer target for the parsers that read files an operator (or a crash) may have mangled:
// the export state file and the AWS INI credential/config files. They must reject or accept any
// input without crashing; a state file that parses must serialise and parse back to the same map.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "export/credentials.h"
#include "export/state.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)ibsr::s3::parseIni(text);
  auto parsed = ibsr::exporter::ExportState::parse(text);
  if (parsed.ok()) {
    const std::string again = ibsr::exporter::ExportState::serialize(parsed.value());
    auto reparsed = ibsr::exporter::ExportState::parse(again);
    if (!reparsed.ok() || ibsr::exporter::ExportState::serialize(reparsed.value()) != again)
      std::abort();
  }
  return 0;
}
