// MD5 throughput of the multi-buffer MD5 (8 lanes, as the multipart upload feeds it: 8 parts in
// 128 KiB chunks) against OpenSSL's MD5 of the same 8 parts one after the other, in thread CPU
// time (the host is shared), median of 5 repeats. Both sides' digests are compared.
//
//   ibsr-bench-md5 [MiB per lane]   (default 32: one batch of 32 MiB parts)
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
#include <vector>

#include "export/digest.h"
#include "export/md5_multibuffer.h"

namespace {

double threadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using ibsr::s3::kMd5Lanes;
  const std::size_t laneBytes = (argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 32) << 20;
  constexpr std::size_t kChunk = 128 * 1024;
  std::vector<char> data(kMd5Lanes * laneBytes);
  std::mt19937_64 rng(1);
  for (char& c : data) c = static_cast<char>(rng());
  std::vector<double> lanesSec, opensslSec;
  for (int repeat = 0; repeat < 5; ++repeat) {
    ibsr::s3::Md5Lanes lanes;
    std::vector<ibsr::s3::Md5> fromLanes(kMd5Lanes), fromOpenssl(kMd5Lanes);
    double t0 = threadCpuSeconds();
    for (std::size_t done = 0; done < laneBytes; done += kChunk) {
      std::array<const void*, kMd5Lanes> in{};
      std::array<std::size_t, kMd5Lanes> n{};
      for (std::size_t i = 0; i < kMd5Lanes; ++i) {
        in[i] = data.data() + i * laneBytes + done;
        n[i] = std::min(kChunk, laneBytes - done);
      }
      lanes.update(in, n);
    }
    for (std::size_t i = 0; i < kMd5Lanes; ++i) fromLanes[i] = lanes.finish(i);
    lanesSec.push_back(threadCpuSeconds() - t0);
    t0 = threadCpuSeconds();
    for (std::size_t i = 0; i < kMd5Lanes; ++i)
      fromOpenssl[i] = ibsr::s3::md5(std::string_view(data.data() + i * laneBytes, laneBytes));
    opensslSec.push_back(threadCpuSeconds() - t0);
    if (fromLanes != fromOpenssl) {
      std::fprintf(stderr, "ibsr-bench-md5: digests differ\n");
      return 1;
    }
  }
  const double gb = static_cast<double>(data.size()) / 1e9;
  const double l = median(lanesSec), o = median(opensslSec);
  std::printf("kernel: %s\n", ibsr::s3::md5LanesKernelName());
  std::printf("%zu lanes x %zu MiB, thread CPU, median of 5\n", kMd5Lanes, laneBytes >> 20);
  std::printf("multi-buffer MD5: %.3f s (%.2f GB/s)\n", l, gb / l);
  std::printf("OpenSSL MD5:      %.3f s (%.2f GB/s)\n", o, gb / o);
  std::printf("ratio OpenSSL / multi-buffer (speed-up): %.2f\n", o / l);
  return 0;
}
