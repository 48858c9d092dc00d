// collect-payload benchmarks.
//
// tc:    ns per packet of the payload TC program (bpf/payload.bpf.c) under BPF_PROG_TEST_RUN,
//        against an empty TC program measured in the same run, interleaved, alternating order;
//        medians of the per-round differences are the program's own cost.
//        Cases: a packet to an unmonitored port; a monitored SYN (header-only record); a
//        monitored 1514-byte data frame with snaplen 512 and 4096 (1460 bytes copied); the same
//        with the ring buffer full (the drop path); then the unmonitored, SYN and 1514-byte
//        data cases over IPv6 (no extension header).
// parse: userspace throughput of decode + reassembly + HTTP + JSON-RPC + aggregation on a
//        generated record stream of keep-alive JSON-RPC connections (eth_getBalance and
//        eth_getLogs, the latter with 24 KB responses), in Gbit/s of TCP payload represented by
//        the records, per core (single thread), at snaplen 512 and 4096.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_support.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "packet_builder.h"
#include "payload/payload_program.h"
#include "payload/pipeline.h"
#include "record_builder.h"

namespace ibsr::bench {
namespace {

constexpr std::uint16_t kPort = 8545;

struct Loaded {
  std::unique_ptr<payload::PayloadProgram> prog;
  ring_buffer* rb = nullptr;
};

// Ethernet / IPv6 2001:db8::7:40000 -> fd00::1:dport / TCP (20-byte header, `flags`), padded
// with payload to `size` bytes: the IPv6 counterpart of tcpFrame().
Bytes tcp6Frame(std::size_t size, std::uint16_t dport, std::uint8_t flags) {
  constexpr std::size_t kHeaders = 14 + 40 + 20;
  ibsr::testing::Ipv6 ip;
  ip.src = "2001:db8::7";
  ip.dst = "fd00::1";
  ibsr::testing::Tcp tcp;
  tcp.dport = dport;
  tcp.seq = 1;
  tcp.flags = flags;
  return ibsr::testing::PacketBuilder()
      .ether()
      .ipv6(ip)
      .tcp(tcp)
      .payload(size > kHeaders ? size - kHeaders : 0, 0x5a)
      .build();
}

Loaded loadProgram(std::uint32_t snaplen, std::uint64_t ringBytes, std::uint64_t* consumed) {
  payload::PayloadOptions o;
  o.common.dstPorts = {kPort};
  o.snaplen = snaplen;
  o.ringbufBytes = ringBytes;
  auto p = payload::PayloadProgram::load(o);
  if (!p.ok()) throw std::runtime_error(p.error().message);
  Loaded l;
  l.prog = std::move(p.value());
  l.rb = ring_buffer__new(l.prog->ringbufFd(), countRecord, consumed, nullptr);
  if (!l.rb) throw std::runtime_error("cannot open ring buffer");
  return l;
}

int runTc(std::uint32_t repeat, int rounds) {
  const std::uint64_t ring = 256ull << 20;  // one round of 4096-snaplen records fits
  std::uint64_t consumed = 0;
  Loaded s512 = loadProgram(512, ring, &consumed);
  Loaded s4096 = loadProgram(4096, ring, &consumed);
  Loaded tiny = loadProgram(512, 4096, &consumed);
  const int emptyFd = emptyTcProgram();

  struct Case {
    const char* name;
    Loaded* l;
    Bytes f;
    bool fill;
    std::vector<double> base, measured;
  };
  std::vector<Case> cases;
  auto add = [&cases](const char* name, Loaded* l, Bytes f, bool fill) {
    cases.push_back({name, l, std::move(f), fill, {}, {}});
  };
  add("unmonitored port (64 B)", &s512, tcpFrame(64, 9999, 0x10), false);
  add("monitored SYN, header-only record (64 B)", &s512, tcpFrame(64, kPort, 0x02), false);
  add("monitored data 1514 B, snaplen 512", &s512, tcpFrame(1514, kPort, 0x18), false);
  add("monitored data 1514 B, snaplen 4096 (1460 copied)", &s4096, tcpFrame(1514, kPort, 0x18),
      false);
  add("ring buffer full: record dropped (1514 B, snaplen 512)", &tiny, tcpFrame(1514, kPort, 0x18),
      true);
  add("IPv6 unmonitored port (74 B)", &s512, tcp6Frame(74, 9999, 0x10), false);
  add("IPv6 monitored SYN, header-only record (74 B)", &s512, tcp6Frame(74, kPort, 0x02), false);
  add("IPv6 monitored data 1514 B, snaplen 512", &s512, tcp6Frame(1514, kPort, 0x18), false);
  for (int r = 0; r < rounds; ++r) {
    for (auto& c : cases) {
      ring_buffer__consume(c.l->rb);
      if (c.fill) timedTcRun(c.l->prog->ingressFd(), c.f, 100);  // untimed: fill the tiny ring
      double b, m;
      if (r % 2) {
        b = timedTcRun(emptyFd, c.f, repeat);
        m = timedTcRun(c.l->prog->ingressFd(), c.f, repeat);
      } else {
        m = timedTcRun(c.l->prog->ingressFd(), c.f, repeat);
        b = timedTcRun(emptyFd, c.f, repeat);
      }
      c.base.push_back(b);
      c.measured.push_back(m);
      if (!c.fill) ring_buffer__consume(c.l->rb);
    }
  }
  std::printf("CPU: %s; repeat %u, %d rounds; medians in ns per packet\n\n", cpuModel().c_str(),
              repeat, rounds);
  std::printf("| case | empty TC | payload | difference | min .. max difference |\n");
  std::printf("|---|---|---|---|---|\n");
  for (const auto& c : cases) {
    std::vector<double> diff;
    for (std::size_t i = 0; i < c.base.size(); ++i) diff.push_back(c.measured[i] - c.base[i]);
    auto [lo, hi] = std::minmax_element(diff.begin(), diff.end());
    std::printf("| %s | %.1f | %.1f | %.1f | %.0f .. %.0f |\n", c.name, median(c.base),
                median(c.measured), median(diff), *lo, *hi);
  }
  auto drops = tiny.prog->cpuTotals();
  std::printf("\nrecords consumed %llu; drops counted on the tiny ring %llu\n",
              static_cast<unsigned long long>(consumed),
              static_cast<unsigned long long>(drops.ok() ? drops->ringbufDrops : 0));
  for (Loaded* l : {&s512, &s4096, &tiny}) ring_buffer__free(l->rb);
  return 0;
}

std::string post(const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}
std::string ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

int runParse(std::uint32_t connections, int rounds) {
  std::printf(
      "CPU: %s; %u connections x 20 requests, MSS 1448; single thread; median of %d "
      "rounds.\nmixed: 16 eth_getBalance + 4 eth_getLogs with 24 KB responses; small: "
      "20 eth_getBalance (about 200-byte messages, the record-rate worst case)\n\n",
      cpuModel().c_str(), connections, rounds);
  std::printf(
      "| workload | snaplen | records | payload bytes | records/s | Gbit/s of TCP payload | "
      "floor: records/s to copy each record once | pipeline / floor |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::string small = post(
      R"({"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x0000000000000000000000000000000000000001","latest"]})");
  std::string logs = post(
      R"({"jsonrpc":"2.0","id":2,"method":"eth_getLogs","params":[{"fromBlock":"0x1","toBlock":"0x2"}]})");
  std::string smallResp = ok(R"({"jsonrpc":"2.0","id":1,"result":"0x1bc16d674ec80000"})");
  std::string logsResp =
      ok(R"({"jsonrpc":"2.0","id":2,"result":[")" + std::string(24000, 'a') + "\"]}");
  const std::pair<int, std::uint32_t> kRuns[] = {{0, 512}, {0, 4096}, {1, 512}, {1, 4096}};
  for (auto [workload, snaplen] : kRuns) {
    std::vector<payload::testing::Record> stream;
    std::uint64_t payloadBytes = 0;
    for (std::uint32_t i = 0; i < connections; ++i) {
      payload::testing::Conversation c(0x0A000000 + i % 200, static_cast<std::uint16_t>(10000 + i),
                                       0x0A0000FE, kPort, snaplen);
      stream.push_back(c.syn());
      stream.push_back(c.synAck());
      for (int k = 0; k < 20; ++k) {
        bool big = workload == 0 && k % 5 == 4;
        for (auto& r : c.request(big ? logs : small)) stream.push_back(std::move(r));
        for (auto& r : c.response(big ? logsResp : smallResp)) stream.push_back(std::move(r));
        payloadBytes += (big ? logs.size() + logsResp.size() : small.size() + smallResp.size());
      }
      stream.push_back(c.clientFin());
      stream.push_back(c.serverFin());
    }
    std::vector<double> secs, floorSecs;
    std::uint64_t requests = 0;
    std::vector<std::uint8_t> sink(1 << 16);
    std::uint64_t checksum = 0;
    for (int r = 0; r < rounds; ++r) {
      // The floor, in the same round: what any consumer of the ring pays, each record copied
      // out once (as libbpf hands it over) and one byte of it read so the copy stays.
      auto f0 = std::chrono::steady_clock::now();
      for (const auto& rec : stream) {
        std::memcpy(sink.data(), rec.data(), std::min(rec.size(), sink.size()));
        checksum += sink[rec.size() / 2 % sink.size()];
      }
      auto f1 = std::chrono::steady_clock::now();
      floorSecs.push_back(std::chrono::duration<double>(f1 - f0).count());
      payload::Pipeline p(payload::PipelineLimits{});
      auto t0 = std::chrono::steady_clock::now();
      for (const auto& rec : stream) p.onRecord(rec.data(), rec.size());
      auto t1 = std::chrono::steady_clock::now();
      secs.push_back(std::chrono::duration<double>(t1 - t0).count());
      requests = 0;
      for (const auto& s : p.takeInterval()) requests += s.requests;
    }
    if (requests != std::uint64_t{connections} * 20)
      throw std::runtime_error("pipeline lost requests: " + std::to_string(requests));
    double t = median(secs);
    double f = median(floorSecs);
    std::printf("| %s | %u | %zu | %llu | %.2f M | %.2f | %.1f M | %.0f |\n",
                workload ? "small" : "mixed", snaplen, stream.size(),
                static_cast<unsigned long long>(payloadBytes),
                static_cast<double>(stream.size()) / t / 1e6,
                static_cast<double>(payloadBytes) * 8.0 / t / 1e9,
                static_cast<double>(stream.size()) / f / 1e6, t / f);
    // Uses the checksum, so that the compiler cannot drop the floor's copies.
    if (checksum == 1) std::printf("(checksum %llu)\n", static_cast<unsigned long long>(checksum));
  }
  return 0;
}

}  // namespace
}  // namespace ibsr::bench

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  std::uint32_t n = mode == "tc" ? 100000 : 2000;
  int rounds = mode == "tc" ? 11 : 5;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    unsigned long v = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--repeat" || a == "--connections")
      n = static_cast<std::uint32_t>(v);
    else if (a == "--rounds")
      rounds = static_cast<int>(v);
  }
  try {
    if (mode == "tc") return ibsr::bench::runTc(n, rounds);
    if (mode == "parse") return ibsr::bench::runParse(n, rounds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ibsr-bench-payload: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: ibsr-bench-payload tc [--repeat N] [--rounds R]\n"
               "       ibsr-bench-payload parse [--connections N] [--rounds R]\n");
  return 2;
}
