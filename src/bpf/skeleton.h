// Owns a libbpf skeleton (struct X_bpf from bpftool gen skeleton): opened on construction,
// destroyed (detaching everything it attached) on destruction. Not copyable.
#pragma once

#include <cstdint>
#include <span>
#include <utility>

#include "core/privileges.h"
#include "core/result.h"

namespace ibsr::bpf {

template <typename Skel>
class Skeleton {
 public:
  Skeleton() = default;
  explicit Skeleton(Skel* s) : skel_(s) {}
  Skeleton(const Skeleton&) = delete;
  Skeleton& operator=(const Skeleton&) = delete;
  Skeleton(Skeleton&& o) noexcept : skel_(std::exchange(o.skel_, nullptr)) {}
  Skeleton& operator=(Skeleton&& o) noexcept {
    if (this != &o) {
      reset();
      skel_ = std::exchange(o.skel_, nullptr);
    }
    return *this;
  }
  ~Skeleton() { reset(); }

  static Result<Skeleton> open() {
    errno = 0;
    Skel* s = Skel::open();
    if (!s) return sysError("cannot open embedded BPF object", errno ? errno : EINVAL);
    return Skeleton(s);
  }

  Status load() {
    int err = Skel::load(skel_);
    if (err)
      return explainPermissionError(
          sysError("BPF program failed to load (kernel verifier log above)", err), kLoadNeeds);
    return {};
  }

  // The embedded ELF object, for the safety check before anything is attached.
  static std::span<const std::uint8_t> elfBytes() {
    size_t size = 0;
    const void* data = Skel::elf_bytes(&size);
    return {static_cast<const std::uint8_t*>(data), size};
  }

  Skel* operator->() const { return skel_; }
  Skel* get() const { return skel_; }

  void reset() {
    if (skel_) Skel::destroy(skel_);
    skel_ = nullptr;
  }

 private:
  Skel* skel_ = nullptr;
};

}  // namespace ibsr::bpf
