#!/usr/bin/env bash
# Usage: run_kinds.sh KINDS_BINARY
#
# Runs the rerank / moderation / token-count conformance binary (kinds.c)
# against one Prism per official spec it needs -- OpenAI, Cohere, Mistral --
# on free ports of 127.0.0.1, started in parallel. Installing, starting and
# stopping Prism: prism.sh (shared with run.sh and run_providers.sh); the
# same variables (LLMK_SHARED_DATA, PRISM_CACHE_DIR, PRISM_VERSION,
# LLMK_ALLOW_SKIP).
#
# Exit: the binary's status; 77 (skip) when a spec is missing; 1 when Prism
# cannot be installed or started. Reaches only 127.0.0.1 and, to install
# Prism, the npm registry.
set -euo pipefail

bin=${1:?usage: run_kinds.sh KINDS_BINARY}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LLMK_SHARED_DATA:-$root/../shared/data}
say() { echo "conformance-kinds: $*" >&2; }
. "$(dirname "$0")/prism.sh"

specs="OPENAI openai-openapi.json
COHERE cohere-openapi.json
MISTRAL mistral-openapi.yaml"
while read -r tag file; do
	if [ ! -f "$data/specs/$file" ]; then
		say "SKIP: $data/specs/$file not found (shared/data must sit beside the project, or set LLMK_SHARED_DATA)"
		exit 77
	fi
done <<<"$specs"
[ -f "$data/audio/jfk.wav" ] || { say "SKIP: $data/audio/jfk.wav not found"; exit 77; }

prism_install
while read -r tag file; do
	prism_start "$tag" "$data/specs/$file"
done <<<"$specs"
# The C test reads the specs as JSON: the YAML one converted with the YAML
# parser Prism itself uses.
while read -r tag file; do
	case $file in
	*.yaml)
		node -e 'const fs = require("fs");
			const yaml = require(process.argv[1]);
			fs.writeFileSync(process.argv[3], JSON.stringify(yaml.parse(fs.readFileSync(process.argv[2], "utf8"))));' \
			"$prism_cache/node_modules/@stoplight/yaml" "$data/specs/$file" "$prism_work/$tag.json" ||
			{ say "could not convert $file to JSON"; exit 1; }
		;;
	*) ln -s "$data/specs/$file" "$prism_work/$tag.json" ;;
	esac
done <<<"$specs"
prism_wait

env=()
for tag in $prism_tags; do
	env+=("LLMK_PRISM_${tag}_URL=$(prism_url "$tag")" "LLMK_PRISM_${tag}_SPEC=$prism_work/$tag.json")
done
prism_run_tests "$bin" "${env[@]}" LLMK_SHARED_DATA="$data"
