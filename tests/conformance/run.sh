#!/usr/bin/env bash
# Usage: run.sh CONFORMANCE_BINARY
#
# Runs the conformance binary against a Prism mock server serving OpenAI's
# official OpenAPI spec on 127.0.0.1. Prism validates each request against
# the spec and answers 422 listing the violations when one does not conform.
#
# Environment:
#   LLMK_SHARED_DATA  shared/data (default: <repo>/../shared/data)
#   PRISM_CACHE_DIR   where Prism is installed (default: <repo>/.cache/prism)
#   PRISM_VERSION     @stoplight/prism-cli version to install (default 5.14.2)
#   LLMK_ALLOW_SKIP   1: skip (exit 77) instead of failing when Prism cannot
#                     be installed
#
# Exit: the binary's status; 77 (skip) when the spec is missing; 1 when Prism
# cannot be installed or started. Reaches only 127.0.0.1 and, to install
# Prism, the npm registry.
set -euo pipefail

bin=${1:?usage: run.sh CONFORMANCE_BINARY}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LLMK_SHARED_DATA:-$root/../shared/data}
spec=$data/specs/openai-openapi.json
cache=${PRISM_CACHE_DIR:-$root/.cache/prism}
version=${PRISM_VERSION:-5.14.2}
prism=$cache/node_modules/@stoplight/prism-cli/dist/index.js
say() { echo "conformance: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

# Loopback only: never let a proxy variable send 127.0.0.1 traffic elsewhere.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

if [ ! -f "$spec" ]; then
	say "SKIP: $spec not found (shared/data must sit beside the project, or set LLMK_SHARED_DATA)"
	exit 77
fi
if [ ! -f "$data/audio/jfk.wav" ]; then
	say "SKIP: $data/audio/jfk.wav not found"
	exit 77
fi

cannot_install() {
	say "$1"
	if [ "${LLMK_ALLOW_SKIP:-0}" = 1 ]; then
		say "SKIP (LLMK_ALLOW_SKIP=1)"
		exit 77
	fi
	say "FAIL: Prism is required (set LLMK_ALLOW_SKIP=1 to skip instead)"
	exit 1
}

installed_version() {
	node -p 'require(process.argv[1]).version' "$cache/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null || true
}

command -v node >/dev/null 2>&1 || cannot_install "node is not installed (Prism runs on Node.js)"
if [ ! -f "$prism" ] || [ "$(installed_version)" != "$version" ]; then
	command -v npm >/dev/null 2>&1 || cannot_install "npm is not installed; cannot install Prism"
	say "installing @stoplight/prism-cli@$version into $cache"
	mkdir -p "$cache"
	# Serialise concurrent installs into the same cache.
	exec 9>"$cache/.lock"
	command -v flock >/dev/null 2>&1 && flock 9
	if [ ! -f "$prism" ] || [ "$(installed_version)" != "$version" ]; then
		t=$(now)
		npm install --prefix "$cache" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
			"@stoplight/prism-cli@$version" >&2 ||
			cannot_install "could not install @stoplight/prism-cli@$version with npm (no network?)"
		[ -f "$prism" ] || cannot_install "npm finished but $prism is missing"
		say "installed Prism $(installed_version) in $(since "$t") s"
	fi
	exec 9>&-
fi

log=$(mktemp "${TMPDIR:-/tmp}/prism.XXXXXX")
pid=
stop_prism() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
}
cleanup() {
	stop_prism
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
	node -e 'const s = require("net").createServer();
		s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Probe: any HTTP answer from Prism (its 404 for "/" included) means it is up.
answers() {
	local code
	if command -v curl >/dev/null 2>&1; then
		code=$(curl -s --noproxy '*' -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null) || true
		[ -n "$code" ] && [ "$code" != 000 ]
	else # no curl: Prism opens its port only once the spec is loaded
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# Start Prism; retry on another port if the chosen one was taken meanwhile.
ready=0
for attempt in 1 2 3; do
	port=$(free_port)
	t=$(now)
	: >"$log"
	node "$prism" mock -h 127.0.0.1 -p "$port" "$spec" >"$log" 2>&1 &
	pid=$!
	deadline=$(($(date +%s) + 90))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		if answers "$port"; then
			ready=1
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.25
	done
	[ $ready = 1 ] && break
	if kill -0 "$pid" 2>/dev/null; then
		say "Prism did not answer on 127.0.0.1:$port within 90 s; its log:"
		tail -n 40 "$log" >&2
		exit 1
	fi
	wait "$pid" 2>/dev/null || true
	pid=
	if ! grep -q EADDRINUSE "$log"; then
		say "Prism exited during start-up; its log:"
		tail -n 40 "$log" >&2
		exit 1
	fi
	say "port $port was taken; retrying"
done
[ $ready = 1 ] || { say "could not start Prism"; exit 1; }
startup=$(since "$t")
say "Prism $(installed_version) listening on 127.0.0.1:$port after $startup s"

rc=0
t=$(now)
LLMK_PRISM_URL="http://127.0.0.1:$port" LLMK_PRISM_SPEC="$spec" LLMK_SHARED_DATA="$data" \
	http_proxy= https_proxy= HTTP_PROXY= HTTPS_PROXY= ALL_PROXY= all_proxy= \
	"$bin" || rc=$?
tests=$(since "$t")
if [ $rc != 0 ]; then
	say "FAILED (exit $rc); Prism's validation messages from its log:"
	grep -E 'VALIDATOR|error' "$log" | grep -v 'passed the validation' | tail -n 40 >&2 || true
fi
stop_prism
say "timings: Prism start-up $startup s, tests $tests s, total $(since "$t0") s"
exit $rc
