# Sourced by scripts/quickstart and scripts/test: installs missing Debian/Ubuntu
# packages (with sudo when not root). Nothing is installed that is present.
need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "==> installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# libhiredis-dev: the Redis store (llmk_store_new_redis; optional, -Dredis=auto).
BUILD_PACKAGES=(gcc libc6-dev meson ninja-build pkg-config libcurl4-openssl-dev libjansson-dev libsodium-dev ca-certificates
	libsqlite3-dev libhiredis-dev)
# redis-server: the store tests start their own on a free loopback port
# (tests/store; a server the package may start as a service is not used).
# nghttp2-proxy: nghttpx, the TLS + HTTP/2 server of tests/api/test_h2.c
# (skipped without it) and of bench/run's section 7.
TEST_PACKAGES=(libcmocka-dev g++ valgrind python3 clang groff-base openssl redis-server nghttp2-proxy)
# bench/run (docs/PERFORMANCE.md): callgrind, the TLS + HTTP/2 section
# (nghttpx, a CA made with openssl), the PyPI venv of the Python baselines.
BENCH_PACKAGES=(valgrind openssl nghttp2-proxy python3-venv)
# ABI check, API reference (scripts/abi-check, scripts/apidoc).
ABI_PACKAGES=(abigail-tools doxygen binutils)
# aarch64 cross build and its tests under qemu (scripts/cross; needs the
# arm64 foreign architecture, which scripts/cross adds).
CROSS_PACKAGES=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross libjansson-dev:arm64 libsodium-dev:arm64
	libcmocka-dev:arm64 qemu-user file)
# Packaging checks (scripts/packaging-check): Debian packages, the CMake
# example, the Python venvs. Python and Go tools come from PyPI and the Go
# module proxy, pinned in the script.
PACKAGING_PACKAGES=(debhelper dh-python python3-all lintian dpkg-dev cmake python3-venv unzip xz-utils)
