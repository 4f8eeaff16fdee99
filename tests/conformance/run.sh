#!/usr/bin/env bash
# Usage: run.sh CONFORMANCE_BINARY
#
# Runs the conformance binary against a Prism mock server serving OpenAI's
# official OpenAPI spec on 127.0.0.1. Prism validates each request against
# the spec and answers 422 listing the violations when one does not conform.
# Installing, starting and stopping Prism: prism.sh (shared with
# run_providers.sh).
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
say() { echo "conformance: $*" >&2; }
. "$(dirname "$0")/prism.sh"

if [ ! -f "$spec" ]; then
	say "SKIP: $spec not found (shared/data must sit beside the project, or set LLMK_SHARED_DATA)"
	exit 77
fi
if [ ! -f "$data/audio/jfk.wav" ]; then
	say "SKIP: $data/audio/jfk.wav not found"
	exit 77
fi

prism_install
prism_start OPENAI "$spec"
prism_wait
prism_run_tests "$bin" LLMK_PRISM_URL="$(prism_url OPENAI)" LLMK_PRISM_SPEC="$spec" LLMK_SHARED_DATA="$data"
