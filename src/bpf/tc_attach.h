// TC attachment shared by the modes that run TC programs (record-incident, collect-payload).
// On kernels with TCX (Linux >= 6.6) each program is a TCX link owned by the process
// (bpf/tcx_link.h): a crash, even SIGKILL, detaches it, and no qdisc is created. Older kernels
// fall back to classic clsact filters. Several IBSR modes and foreign tools share one clsact
// qdisc per interface, so there ownership is explicit:
//  - the clsact hook is created if missing (-EEXIST is fine) and we remember whether we made it;
//  - each filter is attached with the caller's own (handle, priority), so modes never replace
//    each other's filters, and a second copy of the same mode fails with a clear error;
//  - on detach (destructor) only our filters are removed, and the clsact qdisc is destroyed only
//    if we created it AND no filter of anyone else remains on either direction.
// Unlike a link, a clsact filter outlives a killed process (SIGKILL leaves it attached); it only
// returns TC_ACT_UNSPEC, so a leftover filter costs time but never changes traffic. Our programs
// return TC_ACT_UNSPEC, which TCX reads as "next": the following TCX programs, then the clsact
// filters, still see every packet.
#pragma once

#include <linux/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ibsr::bpf {

enum class TcDirection { Ingress, Egress };

// How TC programs are attached. Auto: TCX links when the kernel has them, else clsact filters.
// The hidden environment variable IBSR_TC_ATTACH=auto|tcx|clsact forces one, so that both paths
// stay tested on a TCX kernel.
enum class TcBackend { Auto, Tcx, Clsact };
inline constexpr const char* kTcBackendEnv = "IBSR_TC_ATTACH";

// nullptr or "" is Auto; nullopt for any other unknown value.
std::optional<TcBackend> parseTcBackend(const char* value);

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
  // replaceStale: a clsact filter already at our (handle, priority) is a leftover of a dead
  // process of the caller's (it holds the interface lock): replaced on the clsact path, removed
  // on the TCX path, instead of being an error.
  static Result<TcAttachment> attach(int ifindex, const std::string& ifname,
                                     const std::vector<TcProgramSpec>& programs,
                                     bool replaceStale = false);

  bool createdHook() const { return createdHook_; }
  bool usesTcx() const { return !links_.empty(); }
  // For the attach log line: "TCX links", "created clsact" or "existing clsact".
  std::string_view how() const;

  // Removes our filters, then the hook if we own it and it is empty. Idempotent. Errors are
  // logged (there is nothing a caller could do about them on the way out).
  void detach();

 private:
  TcAttachment(int ifindex, std::string ifname) : ifindex_(ifindex), ifname_(std::move(ifname)) {}
  static Result<TcAttachment> attachTcx(int ifindex, const std::string& ifname,
                                        const std::vector<TcProgramSpec>& programs,
                                        bool replaceStale);
  static Result<TcAttachment> attachClsact(int ifindex, const std::string& ifname,
                                           const std::vector<TcProgramSpec>& programs,
                                           bool replaceStale);

  int ifindex_ = 0;
  std::string ifname_;
  std::vector<UniqueFd> links_;          // TCX path: closing them detaches
  std::vector<TcProgramSpec> attached_;  // clsact path
  bool createdHook_ = false;
};

// Number of TC filters (of any owner) on the interface's clsact ingress and egress hooks, read
// with an RTM_GETTFILTER dump. 0 when there is no clsact qdisc.
Result<int> countClsactFilters(int ifindex);

}  // namespace ibsr::bpf
