#!/usr/bin/env bash
# A bounded run of each fuzz target (fuzz/), from the committed corpus: what the engine decodes
# from brokers must never panic or over-allocate. Installs cargo-fuzz (and nightly Rust, which
# libFuzzer builds need) where they are missing. FUZZ_SECONDS sets each target's run (60 s).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked

for target in $(cargo +nightly fuzz list); do
  echo "fuzzing $target for ${FUZZ_SECONDS:-60} s"
  # A batch may inflate to 256 MiB (protocol/records.rs), which read_to_end can double: past
  # that, or one allocation over 512 MiB, is an over-allocation and fails the run. (The
  # responses target runs under the addon's allocator, which reserves 256 MiB and more lazily:
  # there the resident-memory limit is what a wire count must not break.)
  cargo +nightly fuzz run "$target" -- -max_total_time="${FUZZ_SECONDS:-60}" -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1
done
