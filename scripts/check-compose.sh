#!/usr/bin/env bash
# Validates docker-compose.yml and docker-compose.cluster.yml without a Docker engine, with
# compose-go: the Compose Specification's loader, the one `docker compose config` runs (compose
# 5.7.1 is built on compose-go 2.16.2). Its validator is installed once per machine with
# `go install` into ~/.cache/kafkars/compose-go-<version> (about 25 s). A machine where it cannot
# be installed (no Go, or no module proxy) skips the check and says so; an invalid file fails it.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=v2.16.2
BIN="$HOME/.cache/kafkars/compose-go-$VERSION"
VALIDATOR="$BIN/cmd"
FILES=(docker-compose.yml docker-compose.cluster.yml)

if [ ! -x "$VALIDATOR" ]; then
  if ! command -v go >/dev/null; then
    echo "check-compose: skipped: no Go to install compose-go $VERSION with" >&2
    exit 0
  fi
  # GOTOOLCHAIN=local: a Go too old for compose-go skips the check instead of fetching a toolchain.
  if ! GOBIN="$BIN" GOTOOLCHAIN=local go install "github.com/compose-spec/compose-go/v2/cmd@$VERSION"; then
    echo "check-compose: skipped: could not install compose-go $VERSION" >&2
    exit 0
  fi
fi

failed=0
for file in "${FILES[@]}"; do
  # The validator prints the resolved model on success, and one error (no newline) on failure.
  if "$VALIDATOR" "$file" >/dev/null; then
    echo "check-compose: $file is valid (compose-go $VERSION)"
  else
    echo >&2
    echo "check-compose: $file is invalid" >&2
    failed=1
  fi
done
exit "$failed"
