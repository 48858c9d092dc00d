// ibsr-verify-bpf: the safety verifier on its own, run by the build on every BPF object
// (cmake/BpfObject.cmake); the same command as `ibsr verify-bpf`.
#include "safety/verifier.h"

int main(int argc, char** argv) {
  return ibsr::safety::runVerifyCli(argc, argv);
}
