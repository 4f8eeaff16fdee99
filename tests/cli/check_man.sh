#!/bin/sh
# docs/llmkit.1 renders without a single groff warning, and documents every
# subcommand and every exit status that `llmkit --help` lists.
#   check_man.sh path/to/llmkit path/to/llmkit.1
set -eu
llmkit=$1 page=$2
if ! command -v groff >/dev/null; then
	echo "groff is not installed (scripts/deps.sh installs groff-base)" >&2
	exit 1
fi
warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1) || true
if [ -n "$warnings" ]; then
	echo "groff warnings for $page:" >&2
	echo "$warnings" >&2
	exit 1
fi
text=$(groff -man -Tutf8 -P-c -P-b -P-u "$page" 2>/dev/null)
status=0
for cmd in chat embed image transcribe speak rerank tokens moderate compare eval batch models providers; do
	echo "$text" | grep -q "^ *llmkit $cmd" || { echo "llmkit.1 does not describe '$cmd'" >&2; status=1; }
done
# exit statuses: the numbers at the start of the table in --help
for code in $("$llmkit" --help | sed -n '/^Exit status:/,/^$/p' | sed -n 's/^ *\([0-9][0-9]*\)  .*/\1/p'); do
	echo "$text" | grep -q "^ *$code  *[A-Za-z]" || { echo "llmkit.1 does not list exit status $code" >&2; status=1; }
done
for opt in --base-url --timeout --retries --verbose --cache NO_COLOR; do
	echo "$text" | grep -q -- "$opt" || { echo "llmkit.1 does not mention $opt" >&2; status=1; }
done
[ $status -eq 0 ] && echo "llmkit.1: no groff warnings; commands, exit statuses and global options documented"
exit $status
