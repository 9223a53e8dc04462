#include "CFuzzDriver.h"

#include <stdlib.h>

// Defined by libFuzzer (libclang_rt.fuzzer), linked in by -sanitize=fuzzer.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));

void gyre_fuzz_run(int argc, char **argv, gyre_fuzz_test_one_input test) {
    exit(LLVMFuzzerRunDriver(&argc, &argv, test));
}
