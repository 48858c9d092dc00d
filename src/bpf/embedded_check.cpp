#include "bpf/embedded_check.h"

#include <string>

#include "bpf/kernel_caps.h"

namespace ibsr::bpf {

Status checkEmbeddedObject(std::string_view name, std::span<const std::uint8_t> elf,
                           safety::Mode mode) {
  auto result = safety::scanObject(elf, mode);
  if (!result.ok()) {
    return plainError("safety check of embedded BPF object '" + std::string(name) +
                      "' could not run: " + result.error().message);
  }
  // Run here because every mode checks each of its objects right before loading it: an old
  // kernel is refused with one line before anything is created.
  if (result->empty()) return checkRunningKernel(name, mode);
  std::string msg = "embedded BPF object '" + std::string(name) + "' failed the " +
                    std::string(safety::modeName(mode)) + " safety check; refusing to attach:";
  for (const auto& v : *result) msg += "\n  " + v.format();
  return plainError(msg);
}

}  // namespace ibsr::bpf
