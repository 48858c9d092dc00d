#include "bpf/tc_attach.h"

#include <bpf/libbpf.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "bpf/tcx_link.h"
#include "core/log.h"
#include "core/privileges.h"

namespace ibsr::bpf {
namespace {

bpf_tc_attach_point attachPoint(TcDirection d) {
  return d == TcDirection::Ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

const char* directionName(TcDirection d) {
  return d == TcDirection::Ingress ? "ingress" : "egress";
}

bpf_tc_hook makeHook(int ifindex, bpf_tc_attach_point point) {
  bpf_tc_hook hook{};
  hook.sz = sizeof(hook);
  hook.ifindex = ifindex;
  hook.attach_point = point;
  return hook;
}

// Our filter is identified by its (handle, priority): the same opts attach and detach it.
bpf_tc_opts filterOpts(const TcProgramSpec& p) {
  bpf_tc_opts opts{};
  opts.sz = sizeof(opts);
  opts.handle = p.handle;
  opts.priority = p.priority;
  return opts;
}

// Filters on one clsact direction (parent ffff:fff2 ingress, ffff:fff3 egress). Every dump
// message is one filter or the head of one priority's filter list: any message means that
// something other than nothing is attached, which is all the caller needs to know.
Result<int> countFilters(int fd, int ifindex, __u32 parent, __u32 seq) {
  struct {
    nlmsghdr nh;
    tcmsg tc;
  } req{};
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(tcmsg));
  req.nh.nlmsg_type = RTM_GETTFILTER;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = seq;
  req.tc.tcm_family = AF_UNSPEC;
  req.tc.tcm_ifindex = ifindex;
  req.tc.tcm_parent = parent;
  if (::send(fd, &req, req.nh.nlmsg_len, 0) < 0) return sysError("netlink send");

  int count = 0;
  alignas(nlmsghdr) char buf[16384];
  // Bounded: a dump ends with NLMSG_DONE; 10000 reads is far beyond any real filter list.
  for (int reads = 0; reads < 10000; ++reads) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("netlink recv");
    }
    // Walks the messages by hand: the NLMSG_OK/NEXT macros mix signed and unsigned lengths.
    std::size_t off = 0, len = static_cast<std::size_t>(n);
    while (off + sizeof(nlmsghdr) <= len) {
      auto* nh = reinterpret_cast<nlmsghdr*>(buf + off);
      if (nh->nlmsg_len < sizeof(nlmsghdr) || off + nh->nlmsg_len > len) break;
      off += NLMSG_ALIGN(nh->nlmsg_len);
      if (nh->nlmsg_seq != seq) continue;
      if (nh->nlmsg_type == NLMSG_DONE) return count;
      if (nh->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<nlmsgerr*>(NLMSG_DATA(nh));
        // No clsact qdisc at all: nothing attached.
        if (err->error == -EINVAL || err->error == -ENOENT) return 0;
        if (err->error == 0) return count;
        return sysError("netlink filter dump", err->error);
      }
      if (nh->nlmsg_type == RTM_NEWTFILTER) ++count;
    }
  }
  return plainError("netlink filter dump did not end");
}

// libbpf logs the kernel's extack text of every failed netlink request, including the expected
// "Exclusivity flag on, cannot modify" when the clsact qdisc already exists. That is not a
// problem here, so it is filtered out while the hook is created; everything else goes through.
libbpf_print_fn_t gPreviousPrint = nullptr;

int printExceptExclusivity(libbpf_print_level level, const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  char text[512];
  std::vsnprintf(text, sizeof(text), format, copy);
  va_end(copy);
  if (std::strstr(text, "Exclusivity flag on")) return 0;
  return gPreviousPrint ? gPreviousPrint(level, format, args) : 0;
}

int createClsact(bpf_tc_hook* hook) {
  gPreviousPrint = libbpf_set_print(printExceptExclusivity);
  int err = bpf_tc_hook_create(hook);
  libbpf_set_print(gPreviousPrint);
  return err;
}

}  // namespace

Result<int> countClsactFilters(int ifindex) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd.valid()) return sysError("cannot open rtnetlink socket");
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0)
    return sysError("cannot bind rtnetlink socket");
  int total = 0;
  __u32 seq = 1;
  for (__u32 minor : {TC_H_MIN_INGRESS, TC_H_MIN_EGRESS}) {
    auto n = countFilters(fd.get(), ifindex, TC_H_MAKE(TC_H_CLSACT, minor), seq++);
    if (!n.ok()) return n.error();
    total += *n;
  }
  return total;
}

std::optional<TcBackend> parseTcBackend(const char* value) {
  if (value == nullptr) return TcBackend::Auto;
  std::string_view v(value);
  if (v.empty() || v == "auto") return TcBackend::Auto;
  if (v == "tcx") return TcBackend::Tcx;
  if (v == "clsact") return TcBackend::Clsact;
  return std::nullopt;
}

TcAttachment::TcAttachment(TcAttachment&& o) noexcept
    : ifindex_(std::exchange(o.ifindex_, 0)),
      ifname_(std::move(o.ifname_)),
      links_(std::move(o.links_)),
      attached_(std::move(o.attached_)),
      createdHook_(std::exchange(o.createdHook_, false)) {
  o.attached_.clear();
  o.links_.clear();
}

TcAttachment& TcAttachment::operator=(TcAttachment&& o) noexcept {
  if (this != &o) {
    detach();
    ifindex_ = std::exchange(o.ifindex_, 0);
    ifname_ = std::move(o.ifname_);
    links_ = std::move(o.links_);
    o.links_.clear();
    attached_ = std::move(o.attached_);
    o.attached_.clear();
    createdHook_ = std::exchange(o.createdHook_, false);
  }
  return *this;
}

TcAttachment::~TcAttachment() {
  detach();
}

std::string_view TcAttachment::how() const {
  if (usesTcx()) return "TCX links";
  return createdHook_ ? "created clsact" : "existing clsact";
}

Result<TcAttachment> TcAttachment::attach(int ifindex, const std::string& ifname,
                                          const std::vector<TcProgramSpec>& programs,
                                          bool replaceStale) {
  auto backend = parseTcBackend(std::getenv(kTcBackendEnv));
  if (!backend)
    return plainError(std::string(kTcBackendEnv) + " must be auto, tcx or clsact, not '" +
                      std::getenv(kTcBackendEnv) + "'");
  if (*backend != TcBackend::Clsact) {
    auto tcx = attachTcx(ifindex, ifname, programs, replaceStale);
    // EINVAL is how a kernel without TCX (< 6.6) answers the unknown attach type.
    if (tcx.ok() || *backend == TcBackend::Tcx || tcx.error().errnum != EINVAL) return tcx;
    log::info(
        "the kernel has no TCX links (Linux 6.6+): TC programs on '{}' are attached as clsact "
        "filters, which stay attached if this process is killed (a restart replaces them)",
        ifname);
  }
  return attachClsact(ifindex, ifname, programs, replaceStale);
}

Result<TcAttachment> TcAttachment::attachTcx(int ifindex, const std::string& ifname,
                                             const std::vector<TcProgramSpec>& programs,
                                             bool replaceStale) {
  TcAttachment a(ifindex, ifname);
  for (const auto& p : programs) {
    auto link = createTcxLink(p.progFd, ifindex, p.direction == TcDirection::Ingress);
    if (!link.ok()) {
      Error e = link.error();
      e.message += " on interface '" + ifname + "'";
      return explainPermissionError(e, kAttachNeeds);  // the links made so far close with `a`
    }
    a.links_.push_back(std::move(link.value()));
  }
  // A clsact filter at our handle is left by an instance killed while it ran on the clsact path
  // (an older kernel, or IBSR_TC_ATTACH=clsact): it would keep running beside the link.
  // Only looked for when there is a filter at all. A miss is the normal case, so libbpf is kept
  // from printing the kernel's "not found" text meanwhile.
  auto filters = replaceStale ? countClsactFilters(ifindex) : Result<int>(0);
  if (filters.ok() && *filters > 0) {
    libbpf_print_fn_t previous = libbpf_set_print(nullptr);
    for (const auto& p : programs) {
      bpf_tc_hook h = makeHook(ifindex, attachPoint(p.direction));
      bpf_tc_opts opts = filterOpts(p);
      if (bpf_tc_detach(&h, &opts) == 0)
        log::warn("removed a leftover TC {} filter (handle {:#x}, priority {}) from '{}'",
                  directionName(p.direction), p.handle, p.priority, ifname);
    }
    libbpf_set_print(previous);
  }
  return a;
}

Result<TcAttachment> TcAttachment::attachClsact(int ifindex, const std::string& ifname,
                                                const std::vector<TcProgramSpec>& programs,
                                                bool replaceStale) {
  TcAttachment a(ifindex, ifname);

  bpf_tc_hook hook =
      makeHook(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  int err = createClsact(&hook);
  if (err == 0) {
    a.createdHook_ = true;
  } else if (err != -EEXIST) {
    return explainPermissionError(
        sysError("cannot create clsact qdisc on interface '" + ifname + "'", err), kAttachNeeds);
  }

  for (const auto& p : programs) {
    bpf_tc_hook h = makeHook(ifindex, attachPoint(p.direction));
    bpf_tc_opts opts = filterOpts(p);
    opts.prog_fd = p.progFd;
    err = bpf_tc_attach(&h, &opts);
    if (err == -EEXIST && replaceStale) {
      log::warn("replacing a leftover TC {} filter (handle {:#x}, priority {}) on '{}'",
                directionName(p.direction), p.handle, p.priority, ifname);
      opts.flags = BPF_TC_F_REPLACE;
      opts.prog_id = 0;
      err = bpf_tc_attach(&h, &opts);
    }
    if (err) {
      std::string why = "cannot attach TC " + std::string(directionName(p.direction)) +
                        " program on interface '" + ifname + "'";
      if (err == -EEXIST)
        why +=
            " (a filter with our handle and priority is already there: is another copy of this "
            "mode running on the interface?)";
      Error e = explainPermissionError(sysError(why, err), kAttachNeeds);
      a.detach();  // undo the filters attached so far and a hook we created
      return e;
    }
    a.attached_.push_back(p);
  }
  return a;
}

void TcAttachment::detach() {
  if (ifindex_ == 0) return;
  links_.clear();
  for (const auto& p : attached_) {
    bpf_tc_hook h = makeHook(ifindex_, attachPoint(p.direction));
    bpf_tc_opts opts = filterOpts(p);
    int err = bpf_tc_detach(&h, &opts);
    // ENOENT: someone (tc filter del, qdisc del) removed it already; the goal is reached.
    if (err && err != -ENOENT && err != -EINVAL)
      log::warn("cannot detach TC {} filter from '{}': {}", directionName(p.direction), ifname_,
                std::strerror(-err));
  }
  attached_.clear();
  if (createdHook_) {
    auto remaining = countClsactFilters(ifindex_);
    if (!remaining.ok()) {
      log::warn("leaving the clsact qdisc on '{}' in place: {}", ifname_,
                remaining.error().message);
    } else if (*remaining > 0) {
      log::info("leaving the clsact qdisc on '{}' in place: {} filter entries of other users",
                ifname_, *remaining);
    } else {
      bpf_tc_hook hook =
          makeHook(ifindex_, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
      int err = bpf_tc_hook_destroy(&hook);
      if (err && err != -ENOENT && err != -EINVAL)
        log::warn("cannot remove the clsact qdisc we created on '{}': {}", ifname_,
                  std::strerror(-err));
    }
  }
  createdHook_ = false;
  ifindex_ = 0;
}

}  // namespace ibsr::bpf
