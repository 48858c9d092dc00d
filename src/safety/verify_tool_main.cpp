#include "safety/verifier.h"

int main(int argc, char** argv) {
  return ibsr::safety::runVerifyCli(argc, argv);
}
