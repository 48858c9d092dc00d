// The generic libbpf glue of src/bpf/ on maps the tests create and on the shipped programs:
// MapReader (batched and iterating), readPerCpu, RingBuffer, Skeleton, XDP and TC attachment.
// The attach tests move the test thread into a network namespace of its own for the test
// (ScratchNetns): its interfaces exist only there, no traffic is sent, and the namespace is
// gone when the test ends, pass or fail. Needs root / CAP_BPF + CAP_NET_ADMIN.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "bpf/map_reader.h"
#include "bpf/percpu.h"
#include "bpf/ring_buffer.h"
#include "bpf/skeleton.h"
#include "bpf/tc_attach.h"
#include "bpf/xdp_attach.h"
#include "collect/counter_program.h"
#include "core/unique_fd.h"
#include "counter.skel.h"
#include "ibsr_abi.h"
#include "incident/incident_program.h"

namespace ibsr::bpf {
namespace {

struct Entry {
  __u32 key;
  __u64 value;
  bool operator==(const Entry&) const = default;
};

std::vector<Entry> sorted(std::vector<Entry> v) {
  std::sort(v.begin(), v.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  return v;
}

UniqueFd createMap(bpf_map_type type, const char* name, __u32 keySize, __u32 valueSize,
                   __u32 maxEntries) {
  int fd = bpf_map_create(type, name, keySize, valueSize, maxEntries, nullptr);
  EXPECT_GE(fd, 0) << "bpf_map_create(" << name << "): " << std::strerror(errno);
  return UniqueFd(fd);
}

// The id the kernel gave a program: what bpf_xdp_query_id reports for it.
__u32 progId(int progFd) {
  bpf_prog_info info{};
  __u32 len = sizeof(info);
  EXPECT_EQ(bpf_obj_get_info_by_fd(progFd, &info, &len), 0);
  return info.id;
}

// Whether a program of that id still exists (a destroyed skeleton frees its programs).
bool progExists(__u32 id) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// --- MapReader -----------------------------------------------------------------------------

// 40000 entries: three batches of 16384, the last one partial.
TEST(MapReader, BatchedReadReturnsExactlyTheEntriesOfALargeHashMap) {
  constexpr __u32 kEntries = 40000;
  UniqueFd map = createMap(BPF_MAP_TYPE_HASH, "glue_hash", sizeof(__u32), sizeof(__u64), kEntries);
  ASSERT_TRUE(map.valid());
  std::vector<Entry> want;
  for (__u32 k = 0; k < kEntries; ++k) {
    __u64 v = 3ULL * k + 0x100000000ULL;
    ASSERT_EQ(bpf_map_update_elem(map.get(), &k, &v, BPF_NOEXIST), 0) << k;
    want.push_back({k, v});
  }
  MapReader<__u32, __u64, Entry> reader(map.get(), "glue hash map");
  std::vector<Entry> got;
  ASSERT_TRUE(reader.readAll(got).ok());
  EXPECT_TRUE(reader.usedBatch());
  ASSERT_EQ(got.size(), kEntries);
  EXPECT_EQ(sorted(got), want);

  // A second read over the reused buffers sees the map as it is now.
  __u32 gone = 17;
  ASSERT_EQ(bpf_map_delete_elem(map.get(), &gone), 0);
  want.erase(want.begin() + gone);
  ASSERT_TRUE(reader.readAll(got).ok());
  EXPECT_TRUE(reader.usedBatch());
  EXPECT_EQ(sorted(got), want);
}

TEST(MapReader, EmptyMapReadsAsNothing) {
  UniqueFd map = createMap(BPF_MAP_TYPE_HASH, "glue_empty", sizeof(__u32), sizeof(__u64), 64);
  ASSERT_TRUE(map.valid());
  MapReader<__u32, __u64, Entry> reader(map.get(), "empty map");
  std::vector<Entry> got = {{1, 2}};  // replaced, not appended to
  ASSERT_TRUE(reader.readAll(got).ok());
  EXPECT_TRUE(reader.usedBatch());
  EXPECT_TRUE(got.empty());
}

// BPF_MAP_TYPE_DEVMAP_HASH has no batched lookup (ENOTSUPP; hash, LRU hash, array and LPM trie
// maps all have one on current kernels): the reader falls back to key iteration, for good.
TEST(MapReader, MapWithoutBatchSupportIsReadByIteration) {
  UniqueFd map =
      createMap(BPF_MAP_TYPE_DEVMAP_HASH, "glue_devhash", sizeof(__u32), sizeof(__u32), 16);
  ASSERT_TRUE(map.valid());
  struct DevEntry {
    __u32 key;
    __u32 ifindex;
    bool operator==(const DevEntry&) const = default;
  };
  MapReader<__u32, __u32, DevEntry> reader(map.get(), "device map");
  std::vector<DevEntry> got;
  ASSERT_TRUE(reader.readAll(got).ok());
  EXPECT_FALSE(reader.usedBatch());
  EXPECT_TRUE(got.empty());

  const __u32 loopback = 1;  // "lo" is interface 1 in every network namespace
  for (__u32 k : {30u, 10u, 20u})
    ASSERT_EQ(bpf_map_update_elem(map.get(), &k, &loopback, BPF_NOEXIST), 0) << k;
  ASSERT_TRUE(reader.readAll(got).ok());
  EXPECT_FALSE(reader.usedBatch());
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  EXPECT_EQ(got, (std::vector<DevEntry>{{10, 1}, {20, 1}, {30, 1}}));
}

// A real failure (here: no map at all) is an error naming the map, not a silent fallback.
TEST(MapReader, BadMapIsAnErrorNamingIt) {
  MapReader<__u32, __u64, Entry> reader(-1, "missing map");
  std::vector<Entry> got;
  Status st = reader.readAll(got);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnum, EBADF);
  EXPECT_EQ(st.error().message, "batched lookup of the missing map failed: Bad file descriptor");
  EXPECT_TRUE(reader.usedBatch());
}

// --- readPerCpu ----------------------------------------------------------------------------

TEST(ReadPerCpu, ReturnsOneValuePerPossibleCpu) {
  UniqueFd map =
      createMap(BPF_MAP_TYPE_PERCPU_ARRAY, "glue_percpu", sizeof(__u32), sizeof(__u64), 2);
  ASSERT_TRUE(map.valid());
  int ncpu = libbpf_num_possible_cpus();
  ASSERT_GT(ncpu, 0);
  std::vector<__u64> values;
  for (int cpu = 0; cpu < ncpu; ++cpu) values.push_back(1000ULL * static_cast<__u64>(cpu) + 7);
  __u32 key = 1;
  ASSERT_EQ(bpf_map_update_elem(map.get(), &key, values.data(), BPF_ANY), 0);

  auto one = readPerCpu<__u64>(map.get(), 1, "glue counters");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, values);
  auto zero = readPerCpu<__u64>(map.get(), 0, "glue counters");
  ASSERT_TRUE(zero.ok()) << zero.error().message;
  EXPECT_EQ(*zero, std::vector<__u64>(static_cast<std::size_t>(ncpu), 0));

  auto outside = readPerCpu<__u64>(map.get(), 2, "glue counters");
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().errnum, ENOENT);
  EXPECT_EQ(outside.error().message, "cannot read the glue counters: No such file or directory");
}

// --- RingBuffer ----------------------------------------------------------------------------

int countRecord(void* ctx, void* /*data*/, size_t size) {
  static_cast<std::vector<size_t>*>(ctx)->push_back(size);
  return 0;
}

TEST(RingBuffer, InvalidMapIsAnErrorNotACrash) {
  std::vector<size_t> sizes;
  auto rb = RingBuffer::open(-1, countRecord, &sizes);
  ASSERT_FALSE(rb.ok());
  // libbpf 1.1 reports a bad fd as EBADFD, later versions as EBADF.
  EXPECT_TRUE(rb.error().errnum == EBADF || rb.error().errnum == EBADFD) << rb.error().errnum;
  EXPECT_EQ(rb.error().message, std::string("cannot set up the ring-buffer consumer: ") +
                                    std::strerror(rb.error().errnum));

  // A map that is not a ring buffer.
  UniqueFd hash = createMap(BPF_MAP_TYPE_HASH, "glue_notring", sizeof(__u32), sizeof(__u64), 4);
  ASSERT_TRUE(hash.valid());
  auto wrong = RingBuffer::open(hash.get(), countRecord, &sizes);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().errnum, EINVAL);
  EXPECT_EQ(wrong.error().message, "cannot set up the ring-buffer consumer: Invalid argument");
  EXPECT_TRUE(sizes.empty());
}

TEST(RingBuffer, EmptyRingHasNothingToConsume) {
  UniqueFd map = createMap(BPF_MAP_TYPE_RINGBUF, "glue_ring", 0, 0, 1 << 16);
  ASSERT_TRUE(map.valid());
  std::vector<size_t> sizes;
  auto rb = RingBuffer::open(map.get(), countRecord, &sizes);
  ASSERT_TRUE(rb.ok()) << rb.error().message;
  EXPECT_GE(rb->epollFd(), 0);
  EXPECT_EQ(rb->consume(), 0);
  EXPECT_EQ(rb->poll(10), 0);
  EXPECT_TRUE(sizes.empty());
}

// The incident program copies every frame into its ring buffer at sample rate 1; the frames run
// through it with BPF_PROG_TEST_RUN, and each record reaches the callback once.
TEST(RingBuffer, RecordsOfTheIncidentProgramReachTheCallbackOnce) {
  auto prog = incident::IncidentProgram::load(1 << 16);
  ASSERT_TRUE(prog.ok()) << prog.error().message;
  ASSERT_TRUE(prog->setConfig(IBSR_CFG_SAMPLE_RATE, 1).ok());
  ASSERT_TRUE(prog->setConfig(IBSR_CFG_SAMPLING_ACTIVE, 1).ok());
  std::vector<size_t> sizes;
  auto rb = RingBuffer::open(prog->ringbufFd(), countRecord, &sizes);
  ASSERT_TRUE(rb.ok()) << rb.error().message;

  // 60 bytes of an experimental EtherType: the program copies frames without parsing them.
  std::array<std::uint8_t, 60> frame{};
  frame[12] = 0x88;
  frame[13] = 0xb5;
  auto run = [&](std::uint32_t times) {
    bpf_test_run_opts opts{};
    opts.sz = sizeof(opts);
    opts.data_in = frame.data();
    opts.data_size_in = static_cast<__u32>(frame.size());
    opts.repeat = static_cast<int>(times);
    ASSERT_EQ(bpf_prog_test_run_opts(prog->ingressFd(), &opts), 0) << std::strerror(errno);
  };
  run(3);
  EXPECT_EQ(rb->consume(), 3);
  EXPECT_EQ(sizes, std::vector<size_t>(3, sizeof(ibsr_incident_event)));
  EXPECT_EQ(rb->consume(), 0);
  run(2);
  EXPECT_EQ(rb->poll(1000), 2);
  EXPECT_EQ(sizes, std::vector<size_t>(5, sizeof(ibsr_incident_event)));
  EXPECT_EQ(rb->poll(0), 0);
}

// --- Skeleton ------------------------------------------------------------------------------

using CounterSkeleton = Skeleton<counter_bpf>;

TEST(Skeleton, OpenLoadMoveAndResetKeepExactlyOneOwner) {
  auto bytes = CounterSkeleton::elfBytes();
  ASSERT_GE(bytes.size(), 4u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), (std::string{'\x7f', 'E', 'L', 'F'}));

  auto opened = CounterSkeleton::open();
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  CounterSkeleton a = std::move(opened.value());
  ASSERT_NE(a.get(), nullptr);
  ASSERT_TRUE(a.load().ok());
  const __u32 idA = progId(bpf_program__fd(a->progs.ibsr_count));
  EXPECT_TRUE(progExists(idA));

  // Move construction: one owner, the same object.
  counter_bpf* raw = a.get();
  CounterSkeleton b(std::move(a));
  EXPECT_EQ(a.get(), nullptr);
  EXPECT_EQ(b.get(), raw);
  EXPECT_TRUE(progExists(idA));

  // Move assignment destroys what the target held, and takes the source's object.
  auto other = CounterSkeleton::open();
  ASSERT_TRUE(other.ok());
  CounterSkeleton c = std::move(other.value());
  ASSERT_TRUE(c.load().ok());
  const __u32 idC = progId(bpf_program__fd(c->progs.ibsr_count));
  ASSERT_NE(idC, idA);
  c = std::move(b);
  EXPECT_EQ(b.get(), nullptr);
  EXPECT_EQ(c.get(), raw);
  EXPECT_FALSE(progExists(idC));
  EXPECT_TRUE(progExists(idA));

  // reset() destroys it; a second reset and the destructors have nothing left to do.
  c.reset();
  EXPECT_EQ(c.get(), nullptr);
  EXPECT_FALSE(progExists(idA));
  c.reset();
}

// --- XDP attachment ------------------------------------------------------------------------

TEST(XdpMode, NamesRoundTrip) {
  EXPECT_EQ(xdpModeName(XdpMode::Auto), "auto");
  EXPECT_EQ(xdpModeName(XdpMode::Native), "native");
  EXPECT_EQ(xdpModeName(XdpMode::Generic), "generic");
  for (XdpMode m : {XdpMode::Auto, XdpMode::Native, XdpMode::Generic})
    EXPECT_EQ(parseXdpMode(xdpModeName(m)), m);
  for (const char* bad : {"", "Native", "AUTO", "skb", "drv", "native "})
    EXPECT_EQ(parseXdpMode(bad), std::nullopt) << bad;
}

// Moves the calling thread into a new, empty network namespace for its lifetime and back into
// the original one on destruction; nothing else refers to the new namespace, so the kernel
// removes it, and every interface created in it, right then.
class ScratchNetns {
 public:
  ScratchNetns() : original_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    if (!original_.valid()) {
      error_ = std::string("cannot open the current network namespace: ") + std::strerror(errno);
    } else if (::unshare(CLONE_NEWNET) != 0) {
      error_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      original_.reset();
    }
  }
  ~ScratchNetns() {
    if (original_.valid() && ::setns(original_.get(), CLONE_NEWNET) != 0)
      ADD_FAILURE() << "cannot return to the original network namespace: " << std::strerror(errno);
  }
  ScratchNetns(const ScratchNetns&) = delete;
  ScratchNetns& operator=(const ScratchNetns&) = delete;
  const std::string& error() const { return error_; }

 private:
  UniqueFd original_;
  std::string error_;
};

constexpr const char* kVeth = "ibsr-glue0";
constexpr const char* kPeer = "ibsr-glue1";

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(netns_.error(), ""); }

  // A veth pair inside the namespace (`ip` runs in the namespace of the thread that forks it).
  int addVeth() {
    std::string cmd =
        std::string("ip link add ") + kVeth + " type veth peer name " + kPeer + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    auto idx = interfaceIndex(kVeth);
    EXPECT_TRUE(idx.ok()) << idx.error().message;
    return idx.ok() ? *idx : 0;
  }

  ScratchNetns netns_;
};

TEST_F(NetnsTest, InterfaceIndexOfLoopbackIsOneAndUnknownNamesAreNamed) {
  auto lo = interfaceIndex("lo");
  ASSERT_TRUE(lo.ok()) << lo.error().message;
  EXPECT_EQ(*lo, 1);
  auto missing = interfaceIndex(kVeth);  // not created yet: the namespace is fresh
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().errnum, ENODEV);
  EXPECT_EQ(missing.error().message, "unknown network interface 'ibsr-glue0': No such device");
  int veth = addVeth();
  EXPECT_GT(veth, 1);
  EXPECT_EQ(static_cast<unsigned>(veth), if_nametoindex(kVeth));
}

class XdpAttachTest : public NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    collect::CounterProgramConfig config;
    config.dstPorts = {8899};
    auto p = collect::CounterProgram::load(config);
    ASSERT_TRUE(p.ok()) << p.error().message;
    prog_.emplace(std::move(p.value()));
    id_ = progId(prog_->programFd());
    ASSERT_NE(id_, 0u);
  }
  // The id of the program attached in that mode (0: none).
  static __u32 attachedId(int ifindex, __u32 modeFlag) {
    __u32 id = 0;
    EXPECT_EQ(bpf_xdp_query_id(ifindex, static_cast<int>(modeFlag), &id), 0);
    return id;
  }
  std::optional<collect::CounterProgram> prog_;
  __u32 id_ = 0;
};

TEST_F(XdpAttachTest, LinkAttachesInTheRequestedModeAndClosingItDetaches) {
  int veth = addVeth();
  ASSERT_GT(veth, 0);
  for (auto [mode, flag, otherFlag] :
       {std::tuple{XdpMode::Native, XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE},
        std::tuple{XdpMode::Generic, XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE}}) {
    SCOPED_TRACE(std::string(xdpModeName(mode)));
    auto link = attachXdp(prog_->programFd(), veth, kVeth, mode);
    ASSERT_TRUE(link.ok()) << link.error().message;
    EXPECT_EQ(link->mode, mode);
    EXPECT_TRUE(link->link.valid());
    EXPECT_EQ(attachedId(veth, flag), id_);
    EXPECT_EQ(attachedId(veth, otherFlag), 0u);
    link->link.reset();  // closing the link detaches
    EXPECT_EQ(attachedId(veth, flag), 0u);
  }
}

TEST_F(XdpAttachTest, AutoUsesNativeWhereTheDriverHasItAndGenericElsewhere) {
  int veth = addVeth();
  ASSERT_GT(veth, 0);
  {
    auto link = attachXdp(prog_->programFd(), veth, kVeth, XdpMode::Auto);
    ASSERT_TRUE(link.ok()) << link.error().message;
    EXPECT_EQ(link->mode, XdpMode::Native);
    EXPECT_EQ(attachedId(veth, XDP_FLAGS_DRV_MODE), id_);
  }  // the link's destructor closes it
  EXPECT_EQ(attachedId(veth, XDP_FLAGS_DRV_MODE), 0u);
  {
    // The loopback driver has no native XDP.
    auto link = attachXdp(prog_->programFd(), 1, "lo", XdpMode::Auto);
    ASSERT_TRUE(link.ok()) << link.error().message;
    EXPECT_EQ(link->mode, XdpMode::Generic);
    EXPECT_EQ(attachedId(1, XDP_FLAGS_SKB_MODE), id_);
    EXPECT_EQ(attachedId(1, XDP_FLAGS_DRV_MODE), 0u);
  }
  EXPECT_EQ(attachedId(1, XDP_FLAGS_SKB_MODE), 0u);
}

TEST_F(XdpAttachTest, SecondProgramOnTheInterfaceIsRefusedAndTheFirstStays) {
  int veth = addVeth();
  ASSERT_GT(veth, 0);
  auto first = attachXdp(prog_->programFd(), veth, kVeth, XdpMode::Native);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = attachXdp(prog_->programFd(), veth, kVeth, XdpMode::Native);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().errnum, EBUSY);
  EXPECT_EQ(second.error().message,
            "cannot attach XDP program in native mode on interface 'ibsr-glue0' (another XDP "
            "program is already attached): Device or resource busy");
  EXPECT_EQ(attachedId(veth, XDP_FLAGS_DRV_MODE), id_);
  first->link.reset();
  EXPECT_EQ(attachedId(veth, XDP_FLAGS_DRV_MODE), 0u);
}

TEST_F(XdpAttachTest, UnknownInterfaceIndexIsAnErrorNamingTheInterface) {
  auto link = attachXdp(prog_->programFd(), 4242, "ghost0", XdpMode::Generic);
  ASSERT_FALSE(link.ok());
  EXPECT_EQ(link.error().errnum, EINVAL);  // what the kernel says about a missing ifindex
  EXPECT_EQ(link.error().message,
            "cannot attach XDP program in generic mode on interface 'ghost0': Invalid argument");
}

// --- TC attachment -------------------------------------------------------------------------

// The classic clsact path (kernels without TCX, or IBSR_TC_ATTACH=clsact); the TCX path is
// tests/unit/bpf/tc_attach_test.cpp.
class TcAttachTest : public NetnsTest {
 protected:
  void SetUp() override {
    ::setenv(kTcBackendEnv, "clsact", 1);
    NetnsTest::SetUp();
    auto p = incident::IncidentProgram::load(1 << 16);
    ASSERT_TRUE(p.ok()) << p.error().message;
    prog_.emplace(std::move(p.value()));
    veth_ = addVeth();
    ASSERT_GT(veth_, 0);
  }
  void TearDown() override {
    ::unsetenv(kTcBackendEnv);
    NetnsTest::TearDown();
  }
  std::vector<TcProgramSpec> ours() const {
    return {{prog_->ingressFd(), TcDirection::Ingress, kTcHandleIncident, kTcPriorityIncident},
            {prog_->egressFd(), TcDirection::Egress, kTcHandleIncident, kTcPriorityIncident}};
  }
  bpf_tc_hook bothHooks() const {
    bpf_tc_hook hook{};
    hook.sz = sizeof(hook);
    hook.ifindex = veth_;
    hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
    return hook;
  }
  // Whether the interface has a clsact qdisc: creating one again says EEXIST if so (a probe
  // that made one removes it again).
  bool hasClsact() const {
    bpf_tc_hook hook = bothHooks();
    libbpf_print_fn_t old = libbpf_set_print(nullptr);  // the kernel's "exclusivity" complaint
    int err = bpf_tc_hook_create(&hook);
    libbpf_set_print(old);
    if (err == 0) {
      EXPECT_EQ(bpf_tc_hook_destroy(&hook), 0);
    }
    EXPECT_TRUE(err == 0 || err == -EEXIST) << err;
    return err == -EEXIST;
  }
  int filters() const {
    auto n = countClsactFilters(veth_);
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : -1;
  }
  // A filter of someone else on the ingress hook (tc's default-like handle and priority).
  void addForeignFilter() {
    bpf_tc_hook hook = bothHooks();
    hook.attach_point = BPF_TC_INGRESS;
    bpf_tc_opts opts{};
    opts.sz = sizeof(opts);
    opts.prog_fd = prog_->ingressFd();
    opts.handle = 1;
    opts.priority = 1;
    ASSERT_EQ(bpf_tc_attach(&hook, &opts), 0);
  }

  std::optional<incident::IncidentProgram> prog_;
  int veth_ = 0;
};

TEST_F(TcAttachTest, CreatesClsactAndDetachRemovesEverythingItCreated) {
  EXPECT_FALSE(hasClsact());
  EXPECT_EQ(filters(), 0);  // no clsact qdisc: nothing attached
  auto a = TcAttachment::attach(veth_, kVeth, ours());
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(a->createdHook());
  EXPECT_TRUE(hasClsact());
  EXPECT_EQ(filters(), 4);  // per direction: the priority's head and our filter
  a->detach();
  EXPECT_FALSE(a->createdHook());
  EXPECT_EQ(filters(), 0);
  EXPECT_FALSE(hasClsact());
  a->detach();  // idempotent
  EXPECT_FALSE(hasClsact());
}

TEST_F(TcAttachTest, SecondAttachAtTheSameHandleFailsClearlyUnlessReplacingAStaleOne) {
  auto first = TcAttachment::attach(veth_, kVeth, ours());
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = TcAttachment::attach(veth_, kVeth, ours());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().errnum, EEXIST);
  EXPECT_EQ(second.error().message,
            "cannot attach TC ingress program on interface 'ibsr-glue0' (a filter with our handle "
            "and priority is already there: is another copy of this mode running on the "
            "interface?): File exists");
  // The failed attempt took nothing away: it did not create the hook, so it left it alone.
  EXPECT_EQ(filters(), 4);
  EXPECT_TRUE(hasClsact());

  auto replacing = TcAttachment::attach(veth_, kVeth, ours(), /*replaceStale=*/true);
  ASSERT_TRUE(replacing.ok()) << replacing.error().message;
  EXPECT_FALSE(replacing->createdHook());
  EXPECT_EQ(filters(), 4);
  replacing->detach();  // removes the filters at our handle; the hook is not its own
  EXPECT_EQ(filters(), 0);
  EXPECT_TRUE(hasClsact());
  first->detach();  // its filters are gone already; it made the hook, which is now empty
  EXPECT_FALSE(hasClsact());
}

TEST_F(TcAttachTest, AForeignHookStaysAfterDetach) {
  bpf_tc_hook hook = bothHooks();
  ASSERT_EQ(bpf_tc_hook_create(&hook), 0);
  {
    auto a = TcAttachment::attach(veth_, kVeth, ours());
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_FALSE(a->createdHook());
    EXPECT_EQ(filters(), 4);
  }  // the destructor detaches
  EXPECT_EQ(filters(), 0);
  EXPECT_TRUE(hasClsact());
}

TEST_F(TcAttachTest, OurHookStaysWhileSomeoneElsesFilterIsOnIt) {
  auto a = TcAttachment::attach(veth_, kVeth, ours());
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(a->createdHook());
  addForeignFilter();
  EXPECT_EQ(filters(), 6);
  a->detach();
  EXPECT_EQ(filters(), 2);  // only the foreign one
  EXPECT_TRUE(hasClsact());
}

TEST_F(TcAttachTest, AFailedProgramUndoesTheOnesBeforeIt) {
  auto specs = ours();
  specs[1].progFd = -1;  // the egress program cannot be attached
  auto a = TcAttachment::attach(veth_, kVeth, specs);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message.rfind("cannot attach TC egress program on interface 'ibsr-glue0'", 0),
            0u)
      << a.error().message;
  EXPECT_EQ(filters(), 0);
  EXPECT_FALSE(hasClsact());
}

TEST_F(TcAttachTest, MovedAttachmentHasOneOwner) {
  auto a = TcAttachment::attach(veth_, kVeth, ours());
  ASSERT_TRUE(a.ok()) << a.error().message;
  {
    TcAttachment moved = std::move(a.value());
    EXPECT_TRUE(moved.createdHook());
    EXPECT_FALSE(a->createdHook());
    a->detach();  // the moved-from object owns nothing
    EXPECT_EQ(filters(), 4);
  }
  EXPECT_EQ(filters(), 0);
  EXPECT_FALSE(hasClsact());
}

TEST_F(TcAttachTest, UnknownInterfaceIsAnErrorNamingIt) {
  auto a = TcAttachment::attach(4242, "ghost0", ours());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message.rfind("cannot create clsact qdisc on interface 'ghost0': ", 0), 0u)
      << a.error().message;
}

}  // namespace
}  // namespace ibsr::bpf
