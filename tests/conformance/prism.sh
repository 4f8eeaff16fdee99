# Prism (@stoplight/prism-cli) for the conformance tests; sourced by run.sh
# and run_providers.sh (bash, set -euo pipefail). Reaches only 127.0.0.1
# and, to install Prism, the npm registry.
#
# The sourcing script sets `root` (the project) and defines say() first,
# checks its own inputs (exit 77 when a spec is missing), then calls:
#   prism_install            install Prism at the pinned version into the
#                            cache, under a lock (exit 1, or 77 with
#                            LLMK_ALLOW_SKIP=1, when it cannot)
#   prism_start TAG SPEC     start a Prism mock server for SPEC on a free
#                            port on 127.0.0.1, in the background
#   prism_wait               wait until every started Prism answers (at
#                            most 90 s; a port taken meanwhile is retried;
#                            exit 1 with the log when one fails)
#   prism_url TAG            http://127.0.0.1:PORT of TAG's Prism
#   prism_run_tests BIN VAR=VALUE...
#                            run BIN with the variables and no proxy, print
#                            Prism's validator messages when it fails, stop
#                            Prism and exit with BIN's status
# Every Prism is stopped on exit (also on INT/TERM); $prism_work is a
# temporary directory removed then.
#
# Environment:
#   PRISM_CACHE_DIR   where Prism is installed (default: <repo>/.cache/prism)
#   PRISM_VERSION     @stoplight/prism-cli version to install (default 5.14.2)
#   LLMK_ALLOW_SKIP   1: skip (exit 77) instead of failing when Prism cannot
#                     be installed

prism_cache=${PRISM_CACHE_DIR:-$root/.cache/prism}
prism_version=${PRISM_VERSION:-5.14.2}
prism_js=$prism_cache/node_modules/@stoplight/prism-cli/dist/index.js
prism_work=
prism_tags=
prism_pids=
prism_startup=
prism_t=

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

# Loopback only: never let a proxy variable send 127.0.0.1 traffic elsewhere.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

prism_stop() {
	local p
	for p in $prism_pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $prism_pids; do
		wait "$p" 2>/dev/null || true
	done
	prism_pids=
}
prism_cleanup() {
	prism_stop
	if [ -n "$prism_work" ]; then
		rm -rf "$prism_work"
	fi
}
trap prism_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- install ----------------------------------------------------------------

prism_cannot_install() {
	say "$1"
	if [ "${LLMK_ALLOW_SKIP:-0}" = 1 ]; then
		say "SKIP (LLMK_ALLOW_SKIP=1)"
		exit 77
	fi
	say "FAIL: Prism is required (set LLMK_ALLOW_SKIP=1 to skip instead)"
	exit 1
}

prism_installed_version() {
	node -p 'require(process.argv[1]).version' "$prism_cache/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null || true
}

prism_install() {
	local t
	command -v node >/dev/null 2>&1 || prism_cannot_install "node is not installed (Prism runs on Node.js)"
	if [ -f "$prism_js" ] && [ "$(prism_installed_version)" = "$prism_version" ]; then
		return 0
	fi
	command -v npm >/dev/null 2>&1 || prism_cannot_install "npm is not installed; cannot install Prism"
	say "installing @stoplight/prism-cli@$prism_version into $prism_cache"
	mkdir -p "$prism_cache"
	# Serialise concurrent installs into the same cache.
	exec 9>"$prism_cache/.lock"
	command -v flock >/dev/null 2>&1 && flock 9
	if [ ! -f "$prism_js" ] || [ "$(prism_installed_version)" != "$prism_version" ]; then
		t=$(now)
		npm install --prefix "$prism_cache" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
			"@stoplight/prism-cli@$prism_version" >&2 ||
			prism_cannot_install "could not install @stoplight/prism-cli@$prism_version with npm (no network?)"
		[ -f "$prism_js" ] || prism_cannot_install "npm finished but $prism_js is missing"
		say "installed Prism $(prism_installed_version) in $(since "$t") s"
	fi
	exec 9>&-
}

# ---- start, wait ------------------------------------------------------------

prism_free_port() {
	node -e 'const s = require("net").createServer();
		s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Probe: any HTTP answer from Prism (its 404 for "/" included) means it is up.
prism_answers() {
	local code
	if command -v curl >/dev/null 2>&1; then
		code=$(curl -s --noproxy '*' -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null) || true
		[ -n "$code" ] && [ "$code" != 000 ]
	else # no curl: Prism opens its port only once the spec is loaded
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# (Re)starts TAG's Prism on a fresh port: $prism_work/TAG.{spec,port,pid,log,tries}.
prism_launch() {
	local tag=$1 port pid tries
	port=$(prism_free_port)
	: >"$prism_work/$tag.log"
	node "$prism_js" mock -h 127.0.0.1 -p "$port" "$(cat "$prism_work/$tag.spec")" >"$prism_work/$tag.log" 2>&1 &
	pid=$!
	prism_pids="$prism_pids $pid"
	tries=$(cat "$prism_work/$tag.tries" 2>/dev/null || echo 0)
	echo $((tries + 1)) >"$prism_work/$tag.tries"
	echo "$port" >"$prism_work/$tag.port"
	echo "$pid" >"$prism_work/$tag.pid"
	rm -f "$prism_work/$tag.ready"
}

prism_start() {
	local tag=$1
	if [ -z "$prism_work" ]; then
		prism_work=$(mktemp -d "${TMPDIR:-/tmp}/prism.XXXXXX")
		prism_t=$(now)
	fi
	echo "$2" >"$prism_work/$tag.spec"
	prism_tags="$prism_tags $tag"
	prism_launch "$tag"
}

prism_url() {
	echo "http://127.0.0.1:$(cat "$prism_work/$1.port")"
}

prism_wait() {
	local tag port pid pending deadline
	deadline=$(($(date +%s) + 90))
	while :; do
		pending=0
		for tag in $prism_tags; do
			[ -f "$prism_work/$tag.ready" ] && continue
			port=$(cat "$prism_work/$tag.port")
			pid=$(cat "$prism_work/$tag.pid")
			if prism_answers "$port"; then
				since "$prism_t" >"$prism_work/$tag.ready"
				continue
			fi
			if ! kill -0 "$pid" 2>/dev/null; then
				wait "$pid" 2>/dev/null || true
				if grep -q EADDRINUSE "$prism_work/$tag.log" && [ "$(cat "$prism_work/$tag.tries")" -lt 3 ]; then
					say "$tag: port $port was taken; retrying"
					prism_launch "$tag"
				else
					say "Prism for $tag exited during start-up; its log:"
					tail -n 40 "$prism_work/$tag.log" >&2
					exit 1
				fi
			fi
			pending=1
		done
		[ $pending = 0 ] && break
		if [ "$(date +%s)" -ge "$deadline" ]; then
			for tag in $prism_tags; do
				[ -f "$prism_work/$tag.ready" ] && continue
				say "Prism for $tag did not answer on 127.0.0.1:$(cat "$prism_work/$tag.port") within 90 s; its log:"
				tail -n 40 "$prism_work/$tag.log" >&2
			done
			exit 1
		fi
		sleep 0.25
	done
	prism_startup=$(since "$prism_t")
	for tag in $prism_tags; do
		say "Prism $(prism_installed_version) for $tag listening on 127.0.0.1:$(cat "$prism_work/$tag.port") after $(cat "$prism_work/$tag.ready") s"
	done
}

# ---- run the tests ----------------------------------------------------------

prism_run_tests() {
	local bin=$1 t tests tag lines=40 rc=0
	shift
	t=$(now)
	env "$@" http_proxy= https_proxy= HTTP_PROXY= HTTPS_PROXY= ALL_PROXY= all_proxy= "$bin" || rc=$?
	tests=$(since "$t")
	if [ $rc != 0 ]; then
		say "FAILED (exit $rc); Prism's validation messages from its log(s):"
		[ "$(echo $prism_tags | wc -w)" -gt 1 ] && lines=20
		for tag in $prism_tags; do
			grep -E 'VALIDATOR|error' "$prism_work/$tag.log" | grep -v 'passed the validation' | tail -n $lines |
				sed "s/^/[$tag] /" >&2 || true
		done
	fi
	prism_stop
	say "timings: Prism start-up $prism_startup s, tests $tests s, total $(since "$t0") s"
	exit $rc
}
