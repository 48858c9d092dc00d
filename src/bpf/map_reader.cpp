#include "bpf/map_reader.h"

#include "core/log.h"

namespace ibsr::bpf::detail {

bool batchUnsupported(int errnum) {
  return errnum == EINVAL || errnum == 524 /* ENOTSUPP, kernel-internal */ || errnum == EOPNOTSUPP;
}

void logBatchFallback(const Error& why) {
  log::info("batched map lookup unsupported ({}); iterating keys", why.message);
}

}  // namespace ibsr::bpf::detail
