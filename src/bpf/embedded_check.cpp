#include "bpf/embedded_check.h"

#include <string>

namespace ibsr::bpf {

Status checkEmbeddedObject(std::string_view name, std::span<const std::uint8_t> elf,
                           safety::Mode mode) {
  auto result = safety::scanObject(elf, mode);
  if (!result.ok()) {
    return plainError("safety check of embedded BPF object '" + std::string(name) +
                      "' could not run: " + result.error().message);
  }
  if (result->empty()) return {};
  std::string msg = "embedded BPF object '" + std::string(name) + "' failed the " +
                    std::string(safety::modeName(mode)) + " safety check; refusing to attach:";
  for (const auto& v : *result) msg += "\n  " + v.format();
  return plainError(msg);
}

}  // namespace ibsr::bpf
