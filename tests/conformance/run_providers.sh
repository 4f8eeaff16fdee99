#!/usr/bin/env bash
# Usage: run_providers.sh PROVIDERS_BINARY
#
# Runs the providers conformance binary (providers.c) against one Prism mock
# server per official provider spec -- Mistral, Ollama, Cohere, TGI, Gemini
# -- each on its own free port on 127.0.0.1, all started in parallel. Prism
# validates each request against its spec and answers 422 listing the
# violations when one does not conform.
# Installing, starting and stopping Prism: prism.sh (shared with run.sh).
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
say() { echo "conformance-providers: $*" >&2; }
. "$(dirname "$0")/prism.sh"

# TAG spec-file, one line per provider.
all_specs="MISTRAL mistral-openapi.yaml
OLLAMA ollama-openapi.yaml
COHERE cohere-openapi.json
TGI tgi-openapi.json
GEMINI gemini-openapi.json"

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

prism_install

# One Prism per spec, all in parallel.
while read -r tag file; do
	[ -n "$tag" ] || continue
	prism_start "$tag" "$data/specs/$file"
done <<<"$specs"

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
