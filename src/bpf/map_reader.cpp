#include "bpf/map_reader.h"

#include "core/log.h"

namespace ibsr::bpf::detail {

bool batchUnsupported(int errnum) {
  return errnum == EINVAL || errnum == 524 /* ENOTSUPP, kernel-internal */ || errnum == EOPNOTSUPP;
}

void logBatchFallback(const Error& why) {
  log::info("batched map lookup unsupported ({}); iterating keys", why.message);
}

std::size_t maxEntries(int mapFd) {
  bpf_map_info info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(mapFd, &info, &len) != 0) return 0;
  return info.max_entries;
}

}  // namespace ibsr::bpf::detail
