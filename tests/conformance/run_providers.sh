#!/usr/bin/env bash
# Usage: run_providers.sh PROVIDERS_BINARY
#
# Runs the providers conformance binary (providers.c) against one Prism mock
# server per official provider spec -- Mistral, Ollama, Cohere, TGI, Gemini
# -- each on its own free port on 127.0.0.1, all started in parallel. Prism
# validates each request against its spec and answers 422 listing the
# violations when one does not conform.
#
# Environment:
#   LLMK_SHARED_DATA  shared/data (default: <repo>/../shared/data)
#   PRISM_CACHE_DIR   where Prism is installed (default: <repo>/.cache/prism,
#                     the same install as run.sh)
#   PRISM_VERSION     @stoplight/prism-cli version to install (default 5.14.2)
#   LLMK_ALLOW_SKIP   1: skip (exit 77) instead of failing when Prism cannot
#                     be installed
#   LLMK_CONFORMANCE_ONLY  e.g. "mistral gemini": start and test only these
#
# Exit: the binary's status; 77 (skip) when a spec or audio/jfk.wav is
# missing; 1 when Prism cannot be installed or started. Reaches only
# 127.0.0.1 and, to install Prism, the npm registry.
set -euo pipefail

bin=${1:?usage: run_providers.sh PROVIDERS_BINARY}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LLMK_SHARED_DATA:-$root/../shared/data}
cache=${PRISM_CACHE_DIR:-$root/.cache/prism}
version=${PRISM_VERSION:-5.14.2}
prism=$cache/node_modules/@stoplight/prism-cli/dist/index.js
say() { echo "conformance-providers: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

# TAG spec-file, one line per provider.
all_specs="MISTRAL mistral-openapi.yaml
OLLAMA ollama-openapi.yaml
COHERE cohere-openapi.json
TGI tgi-openapi.json
GEMINI gemini-openapi.json"

# Loopback only: never let a proxy variable send 127.0.0.1 traffic elsewhere.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

specs=
while read -r tag file; do
	name=$(echo "$tag" | tr 'A-Z' 'a-z')
	if [ -n "${LLMK_CONFORMANCE_ONLY:-}" ] && ! echo " $LLMK_CONFORMANCE_ONLY " | grep -qw "$name"; then
		continue
	fi
	if [ ! -f "$data/specs/$file" ]; then
		say "SKIP: $data/specs/$file not found (shared/data must sit beside the project, or set LLMK_SHARED_DATA)"
		exit 77
	fi
	specs="$specs$tag $file
"
done <<<"$all_specs"
if [ ! -f "$data/audio/jfk.wav" ]; then
	say "SKIP: $data/audio/jfk.wav not found"
	exit 77
fi
[ -n "$specs" ] || { say "LLMK_CONFORMANCE_ONLY selects no provider"; exit 1; }

# ---- Prism: the same install (cache, version, lock) as run.sh ------------

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
	# Serialise concurrent installs into the same cache (run.sh takes the same lock).
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

# ---- one Prism per spec, in parallel ---------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/prism-providers.XXXXXX")
pids=
stop_all() {
	local p
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	pids=
}
cleanup() {
	stop_all
	rm -rf "$work"
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

# start TAG: starts Prism for TAG's spec on a fresh port; records
# $work/TAG.{port,pid,log}.
start() {
	local tag=$1 file port pid
	file=$(echo "$specs" | awk -v t="$tag" '$1 == t { print $2 }')
	port=$(free_port)
	: >"$work/$tag.log"
	node "$prism" mock -h 127.0.0.1 -p "$port" "$data/specs/$file" >"$work/$tag.log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	echo "$port" >"$work/$tag.port"
	echo "$pid" >"$work/$tag.pid"
	rm -f "$work/$tag.ready"
}

t=$(now)
tags=$(echo "$specs" | awk 'NF { print $1 }')
declare -A tries
for tag in $tags; do
	start "$tag"
	tries[$tag]=1
done

# The C test reads the specs as JSON: convert the YAML ones with the YAML
# parser Prism itself uses (while the servers start).
while read -r tag file; do
	[ -n "$tag" ] || continue
	case $file in
	*.yaml | *.yml)
		node -e 'const fs = require("fs");
			const yaml = require(process.argv[1]);
			const doc = yaml.parse(fs.readFileSync(process.argv[2], "utf8"));
			fs.writeFileSync(process.argv[3], JSON.stringify(doc));' \
			"$cache/node_modules/@stoplight/yaml" "$data/specs/$file" "$work/$tag.json" ||
			{ say "could not convert $file to JSON"; exit 1; }
		;;
	*) ln -s "$data/specs/$file" "$work/$tag.json" ;;
	esac
done <<<"$specs"

deadline=$(($(date +%s) + 90))
while :; do
	pending=0
	for tag in $tags; do
		[ -f "$work/$tag.ready" ] && continue
		port=$(cat "$work/$tag.port")
		pid=$(cat "$work/$tag.pid")
		if answers "$port"; then
			echo "$(since "$t")" >"$work/$tag.ready"
			continue
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null || true
			if grep -q EADDRINUSE "$work/$tag.log" && [ "${tries[$tag]}" -lt 3 ]; then
				say "$tag: port $port was taken; retrying"
				tries[$tag]=$((${tries[$tag]} + 1))
				start "$tag"
			else
				say "Prism for $tag exited during start-up; its log:"
				tail -n 40 "$work/$tag.log" >&2
				exit 1
			fi
		fi
		pending=1
	done
	[ $pending = 0 ] && break
	if [ "$(date +%s)" -ge "$deadline" ]; then
		for tag in $tags; do
			[ -f "$work/$tag.ready" ] && continue
			say "Prism for $tag did not answer within 90 s; its log:"
			tail -n 40 "$work/$tag.log" >&2
		done
		exit 1
	fi
	sleep 0.25
done
startup=$(since "$t")
for tag in $tags; do
	say "Prism $(installed_version) for $tag listening on 127.0.0.1:$(cat "$work/$tag.port") after $(cat "$work/$tag.ready") s"
done

env=()
for tag in $tags; do
	env+=("LLMK_PRISM_${tag}_URL=http://127.0.0.1:$(cat "$work/$tag.port")" "LLMK_PRISM_${tag}_SPEC=$work/$tag.json")
done

rc=0
t=$(now)
env "${env[@]}" LLMK_SHARED_DATA="$data" \
	http_proxy= https_proxy= HTTP_PROXY= HTTPS_PROXY= ALL_PROXY= all_proxy= \
	"$bin" || rc=$?
tests=$(since "$t")
if [ $rc != 0 ]; then
	say "FAILED (exit $rc); Prism's validation messages from its logs:"
	for tag in $tags; do
		grep -E 'VALIDATOR|error' "$work/$tag.log" | grep -v 'passed the validation' | tail -n 20 |
			sed "s/^/[$tag] /" >&2 || true
	done
fi
stop_all
say "timings: Prism start-up $startup s (all in parallel), tests $tests s, total $(since "$t0") s"
exit $rc
