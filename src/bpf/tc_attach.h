// TC (clsact) attachment shared by the modes that run TC programs (record-incident,
// collect-payload). Several IBSR modes and foreign tools share one clsact qdisc per interface,
// so ownership is explicit:
//  - the clsact hook is created if missing (-EEXIST is fine) and we remember whether we made it;
//  - each filter is attached with the caller's own (handle, priority), so modes never replace
//    each other's filters, and a second copy of the same mode fails with a clear error;
//  - on detach (destructor) only our filters are removed, and the clsact qdisc is destroyed only
//    if we created it AND no filter of anyone else remains on either direction.
// Unlike an XDP bpf_link, a TC filter outlives a killed process (SIGKILL leaves it attached);
// it only returns TC_ACT_UNSPEC, so a leftover filter costs time but never changes traffic.
#pragma once

#include <linux/types.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace ibsr::bpf {

enum class TcDirection { Ingress, Egress };

struct TcProgramSpec {
  int progFd = -1;
  TcDirection direction = TcDirection::Ingress;
  __u32 handle = 0;    // must be non-zero and unique per mode
  __u32 priority = 0;  // must be non-zero; 1..0xffff
};

// Handles and priorities reserved for IBSR modes ("1B5R"-ish, away from tc's small defaults).
inline constexpr __u32 kTcPriorityIncident = 0xB510;
inline constexpr __u32 kTcHandleIncident = 0xB510;
inline constexpr __u32 kTcPriorityPayload = 0xB520;
inline constexpr __u32 kTcHandlePayload = 0xB520;

class TcAttachment {
 public:
  TcAttachment() = default;
  TcAttachment(const TcAttachment&) = delete;
  TcAttachment& operator=(const TcAttachment&) = delete;
  TcAttachment(TcAttachment&& o) noexcept;
  TcAttachment& operator=(TcAttachment&& o) noexcept;
  ~TcAttachment();

  // Attaches every program or none: on a failure the ones already attached are removed again
  // (and a clsact hook we created is destroyed), and the error names the interface.
  // replaceStale: a filter already at our (handle, priority) is replaced instead of being an
  // error; only for callers that know it is a leftover of a dead process of theirs.
  static Result<TcAttachment> attach(int ifindex, const std::string& ifname,
                                     const std::vector<TcProgramSpec>& programs,
                                     bool replaceStale = false);

  bool createdHook() const { return createdHook_; }

  // Removes our filters, then the hook if we own it and it is empty. Idempotent. Errors are
  // logged (there is nothing a caller could do about them on the way out).
  void detach();

 private:
  int ifindex_ = 0;
  std::string ifname_;
  std::vector<TcProgramSpec> attached_;
  bool createdHook_ = false;
};

// Number of TC filters (of any owner) on the interface's clsact ingress and egress hooks, read
// with an RTM_GETTFILTER dump. 0 when there is no clsact qdisc.
Result<int> countClsactFilters(int ifindex);

}  // namespace ibsr::bpf
