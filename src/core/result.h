// Result<T>: the value of an OS-facing call or the error that stopped it. An error carries the
// errno (0 when the failure is not a system error) and a message that already names the object
// ("cannot open '/x': Permission denied"), so callers print it as is.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace ibsr {

struct Error {
  int errnum = 0;
  std::string message;
};

// Builds "context: strerror(errnum)". libbpf returns -errno; pass either sign.
inline Error sysError(std::string context, int errnum = errno) {
  if (errnum < 0) errnum = -errnum;
  return Error{errnum, std::move(context) + ": " + std::strerror(errnum)};
}

inline Error plainError(std::string message) {
  return Error{0, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace ibsr
