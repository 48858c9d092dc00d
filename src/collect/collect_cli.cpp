#include "collect/collect_cli.h"

#include <cstdio>

namespace ibsr::collect {
int runCollectCli(int, char**) {
  std::fputs("ibsr collect: not implemented yet\n", stderr);
  return 1;
}
}  // namespace ibsr::collect
