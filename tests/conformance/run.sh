#!/usr/bin/env bash
# Runs the conformance binary ($1) against a Prism mock server serving
# OpenAI's official OpenAPI spec on 127.0.0.1. Prism validates each request
# against the spec and answers 422 listing the violations when one does not
# conform. Installs Prism into .cache/prism when missing.
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LLMK_SHARED_DATA:-$root/../shared/data}
spec=$data/specs/openai-openapi.json
cache=${PRISM_CACHE_DIR:-$root/.cache/prism}
prism=$cache/node_modules/.bin/prism

if [ ! -f "$spec" ]; then
	echo "conformance: $spec not found (shared/data must sit beside the project); skipping" >&2
	exit 77
fi
if [ ! -x "$prism" ]; then
	echo "conformance: installing @stoplight/prism-cli into $cache" >&2
	mkdir -p "$cache"
	if ! npm install --prefix "$cache" --no-save --loglevel=error @stoplight/prism-cli@5 >&2; then
		echo "conformance: could not install Prism (npm)" >&2
		[ "${LLMK_ALLOW_SKIP:-0}" = 1 ] && exit 77
		exit 1
	fi
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
"$prism" mock -h 127.0.0.1 -p "$port" "$spec" >"$log" 2>&1 &
pid=$!
cleanup() { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

# Loading the OpenAI spec takes 10-20 s.
for _ in $(seq 1 180); do
	if grep -q "Prism is listening" "$log"; then break; fi
	if ! kill -0 $pid 2>/dev/null; then
		echo "conformance: Prism exited:" >&2; cat "$log" >&2; exit 1
	fi
	sleep 0.5
done
grep -q "Prism is listening" "$log" || { echo "conformance: Prism did not start in 90 s" >&2; cat "$log" >&2; exit 1; }

rc=0
LLMK_PRISM_URL="http://127.0.0.1:$port" LLMK_SHARED_DATA="$data" NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 "$bin" || rc=$?
cleanup
trap - EXIT
exit $rc
