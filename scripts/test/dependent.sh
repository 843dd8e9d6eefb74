#!/usr/bin/env bash
# A package that depends on SandboxKit (Tests/Fixtures/Dependent), built with a plain `swift build`
# and run with no SANDBOX_RUNNER and no runner beside it: its sandbox must run commands under the
# runner that SandboxKit's build embedded. One more build of the dependencies, in .build-dependent.
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=$PWD/.build-dependent
binary=$scratch/debug/dependent
mkdir -p "$scratch"; rm -f "$binary"  # a binary of an earlier run must not pass for this one
if ! swift build --package-path Tests/Fixtures/Dependent --scratch-path "$scratch" > "$scratch/build.log" 2>&1; then
  grep -E "error" "$scratch/build.log" >&2 || tail -20 "$scratch/build.log" >&2
  echo "dependent.sh: the dependent package did not build (all of it: $scratch/build.log)" >&2; exit 1
fi
[ -x "$binary" ] || { echo "dependent.sh: the dependent package built no binary" >&2; exit 1; }
[ ! -e "$scratch/debug/sandbox-runner" ] || { echo "dependent.sh: a runner file sits beside the binary; the check needs none" >&2; exit 1; }
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
out=$(env -u SANDBOX_RUNNER XDG_CACHE_HOME="$cache" "$binary" "${1:-sandbox-test/busybox:latest}")
echo "$out"
[ "$(printf '%s\n' "$out" | head -1)" = runner ] || { echo "dependent.sh: the dependent's sandbox did not use the runner" >&2; exit 1; }
printf '%s\n' "$out" | grep -qx "hello from a dependent" || { echo "dependent.sh: the command's output is missing" >&2; exit 1; }
ls "$cache"/sandbox/sandbox-runner-* >/dev/null || { echo "dependent.sh: the built-in runner was not written out" >&2; exit 1; }
echo "dependent.sh: a plain swift build of a dependent runs its sandboxes under the runner"
