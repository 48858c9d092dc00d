// Measures the ingest stage of ibsr-report on real files, per core: (1) read + parse only, the
// floor, and (2) read + parse + the whole counter analysis (deltas, windows, detection, episodes,
// simulated enforcement), with the ratio of the two from the same run.
//   ibsr_report_ingest_bench [--runs N] [--phase parse|analysis] DIR_OR_FILE...
// Each phase runs in a forked child so that its CPU time (user + system), peak RSS and page faults
// are its own (wait4's rusage) and every phase starts from a fresh heap; the phases alternate N
// times (default 3) and the median and spread are printed, because the machine is shared.
// --phase runs one phase in this process, once (for perf record).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "report/analyzer.h"
#include "report/input_set.h"

using namespace ibsr::report;

namespace {

enum class Phase { Parse, Analysis };

// Runs one phase and prints what it saw (to check both phases read the same input).
int runPhase(Phase phase, const std::vector<InputFile>& files) {
  IngestOptions opt;
  DataQuality dq;
  if (phase == Phase::Parse) {
    uint64_t buckets = 0;
    ibsr::Status st =
        ingest(files, opt, dq, [&](const Snapshot& s) { buckets += s.buckets.size(); });
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    std::printf("  %llu snapshots, %llu buckets\n", (unsigned long long)dq.snapshots,
                (unsigned long long)buckets);
    return 0;
  }
  AnalysisConfig cfg;
  Allowlist allow;
  Analyzer analyzer(cfg, allow, dq);
  ibsr::Status st = ingest(files, opt, dq, [&](const Snapshot& s) { analyzer.add(s); });
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  AnalysisResult r = analyzer.finish();
  size_t blocked = 0, episodes = 0;
  for (const auto& k : r.keys) blocked += k.block, episodes += k.episodes.size();
  std::printf("  %zu keys (%zu blocked, %zu episodes), %llu windows, %llu resets\n", r.keys.size(),
              blocked, episodes, (unsigned long long)r.windows,
              (unsigned long long)dq.counterResets);
  return 0;
}

struct Sample {
  double cpu = 0;  // user + system seconds
  double user = 0;
  double sys = 0;
  long rssMb = 0;
  long faults = 0;  // minor page faults
};

Sample runChild(Phase phase, const std::vector<InputFile>& files) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    std::exit(1);
  }
  if (pid == 0) {
    int rc = runPhase(phase, files);
    std::fflush(stdout);
    _exit(rc);
  }
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "phase failed\n");
    std::exit(1);
  }
  Sample s;
  s.user = double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) / 1e6;
  s.sys = double(ru.ru_stime.tv_sec) + double(ru.ru_stime.tv_usec) / 1e6;
  s.cpu = s.user + s.sys;
  s.rssMb = ru.ru_maxrss / 1024;
  s.faults = ru.ru_minflt;
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void summary(const char* name, const std::vector<Sample>& s, double mb) {
  std::vector<double> cpu, rate;
  long rss = 0;
  for (const Sample& x : s) {
    cpu.push_back(x.cpu);
    rate.push_back(mb / x.cpu);
    rss = std::max(rss, x.rssMb);
  }
  std::printf(
      "%-24s CPU s median %.2f (%.2f..%.2f), MB/s per core median %.0f (%.0f..%.0f), "
      "peak RSS %ld MB\n",
      name, median(cpu), *std::min_element(cpu.begin(), cpu.end()),
      *std::max_element(cpu.begin(), cpu.end()), median(rate),
      *std::min_element(rate.begin(), rate.end()), *std::max_element(rate.begin(), rate.end()),
      rss);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  const char* phaseArg = nullptr;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--phase") == 0 && i + 1 < argc) {
      phaseArg = argv[++i];
    } else {
      inputs.emplace_back(argv[i]);
    }
  }
  auto files = findInputFiles(inputs);
  if (!files.ok() || files->empty()) {
    std::fprintf(stderr, "usage: %s [--runs N] [--phase parse|analysis] DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  if (phaseArg != nullptr)
    return runPhase(std::strcmp(phaseArg, "parse") == 0 ? Phase::Parse : Phase::Analysis, *files);

  // The benchmark input is plain JSONL: its size is the uncompressed size.
  uint64_t bytes = 0;
  for (const auto& f : *files) {
    FILE* fp = std::fopen(f.path.c_str(), "rb");
    if (fp == nullptr) return 1;
    std::fseek(fp, 0, SEEK_END);
    bytes += uint64_t(std::ftell(fp));
    std::fclose(fp);
  }
  const double mb = double(bytes) / 1e6;
  std::printf("input: %.1f MB in %zu files\n", mb, files->size());
  std::vector<Sample> parse, analysis;
  std::vector<double> ratios;
  for (int run = 1; run <= runs; ++run) {
    auto print = [mb](const Sample& x) {
      std::printf(
          "  CPU %.2f s (user %.2f, sys %.2f), %.0f MB/s per core, peak RSS %ld MB, %ld "
          "page faults\n",
          x.cpu, x.user, x.sys, mb / x.cpu, x.rssMb, x.faults);
    };
    std::printf("run %d: read + parse\n", run);
    Sample p = runChild(Phase::Parse, *files);
    print(p);
    std::printf("run %d: read + parse + full analysis\n", run);
    Sample a = runChild(Phase::Analysis, *files);
    print(a);
    std::printf("  ratio analysis / parse-only floor (CPU): %.2f\n", a.cpu / p.cpu);
    parse.push_back(p);
    analysis.push_back(a);
    ratios.push_back(a.cpu / p.cpu);
  }
  std::printf("== %d runs, %.1f MB\n", runs, mb);
  summary("read + parse:", parse, mb);
  summary("read + parse + analysis:", analysis, mb);
  std::printf("ratio analysis / floor:  median %.2f (%.2f..%.2f)\n", median(ratios),
              *std::min_element(ratios.begin(), ratios.end()),
              *std::max_element(ratios.begin(), ratios.end()));
  return 0;
}
