// Starts libFuzzer from a program that has its own `main`.
//
// SwiftPM links every executable target on Linux with `--defsym main=<Module>_main`, so
// libFuzzer's `main` (brought in by -sanitize=fuzzer) is never used: a fuzz target's `@main`
// calls gyre_fuzz_run instead, which hands the command line and the target's test function to
// libFuzzer's documented entry point LLVMFuzzerRunDriver and exits with its result.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef int (*gyre_fuzz_test_one_input)(const uint8_t *data, size_t size);

__attribute__((noreturn)) void gyre_fuzz_run(int argc, char **argv, gyre_fuzz_test_one_input test);
