#!/usr/bin/env bash
# Usage: go.sh BUILD_DIR — the Go binding's real-server tests
# (bindings/go/realserver_test.go, build tag realserver) against the library
# of BUILD_DIR; run by tests/real/harness.sh, which starts the servers.
set -euo pipefail
build=$(cd "${1:?usage: go.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v go >/dev/null || { echo "go.sh: no go toolchain (Debian: golang-go)" >&2; exit 1; }
export PKG_CONFIG_PATH=$build/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export CGO_CFLAGS="-I$root/include" LD_LIBRARY_PATH=$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} LLMKIT_BUILD_DIR=$build
cd "$root/bindings/go"
exec go test -count=1 -tags realserver -run '^TestReal' -v .
