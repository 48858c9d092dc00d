// What faulting released snapshot buffers back in costs, and why it depends on the page cache.
// A collector releases its huge-page buffers (core/page_release) after each cycle and faults them
// in again the next; meanwhile its append grows the page cache by a line. This bench faults a
// buffer of the size of a 1M-entry cycle's buffers in, releases it, and repeats, in two
// conditions measured in one run: nothing else allocates between rounds (the kernel hands the
// same pages back), and a file in DIR grows by GROW_MB between rounds (the page cache takes those
// pages, so each round gets memory nobody has touched yet).
// Usage: refault_bench DIR [BUFFER_MB] [GROW_MB] [ROUNDS]   (times: the thread's CPU time)
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/page_release.h"
#include "core/unique_fd.h"
#include "cpu_time.h"

namespace {

using ibsr::bench::cpuMs;
using ibsr::bench::median;

// Median CPU ms of faulting the buffer in (one write per 4 kB page), over rounds after the first
// (which pays for the mapping's first use in both conditions).
double refaultMs(char* buf, std::size_t bytes, int fd, const std::vector<char>& grow, int rounds) {
  std::vector<double> ms;
  for (int r = 0; r <= rounds; ++r) {
    const double t0 = cpuMs();
    for (std::size_t i = 0; i < bytes; i += 4096) buf[i] = 1;
    const double t1 = cpuMs();
    ibsr::releasePages(buf, bytes);
    if (!grow.empty() &&
        ::write(fd, grow.data(), grow.size()) != static_cast<ssize_t>(grow.size())) {
      std::perror("write");
      std::exit(1);
    }
    if (r > 0) ms.push_back(t1 - t0);
  }
  return median(ms);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: refault_bench DIR [BUFFER_MB] [GROW_MB] [ROUNDS]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/refault_bench.tmp";
  const std::size_t bufferMb = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200;
  const std::size_t growMb = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 150;
  const int rounds = argc > 4 ? std::atoi(argv[4]) : 5;
  const std::size_t bytes = bufferMb << 20;

  ibsr::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600));
  if (fd.get() < 0) {
    std::perror(path.c_str());
    return 1;
  }
  char* buf = static_cast<char*>(ibsr::mapPages(bytes));
  const double quiet = refaultMs(buf, bytes, fd.get(), {}, rounds);
  const double growing =
      refaultMs(buf, bytes, fd.get(), std::vector<char>(growMb << 20, 'x'), rounds);
  ibsr::unmapPages(buf, bytes);
  ::unlink(path.c_str());

  std::printf(
      "buffer=%zu MB (huge pages where offered) rounds=%d (times: thread CPU ms, medians)\n",
      bufferMb, rounds);
  std::printf("refault, nothing else allocating:        %.1f ms (%.3f ms/MB)\n", quiet,
              quiet / static_cast<double>(bufferMb));
  std::printf("refault, page cache grew %zu MB between:  %.1f ms (%.3f ms/MB)\n", growMb, growing,
              growing / static_cast<double>(bufferMb));
  std::printf("ratio growing/quiet=%.1f\n", growing / quiet);
  return 0;
}
