#!/usr/bin/env bash
# Installs sandbox into PREFIX: `scripts/install.sh BIN_DIR PREFIX` (`make install` passes the
# release build). BIN_DIR holds `sandbox` and `sandbox-runner`; the man pages come from
# .build/man (`make man`). Every file written is listed in PREFIX/share/sandbox/install-manifest,
# which scripts/uninstall.sh reads to remove exactly those files.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 BIN_DIR PREFIX" >&2; exit 2; }
bin_dir=$1
prefix=$2
root=$(cd "$(dirname "$0")/.." && pwd)
man_dir=$root/.build/man

for file in "$bin_dir/sandbox" "$bin_dir/sandbox-runner" "$man_dir/sandbox.1" "$man_dir/sandbox-console.7"; do
  [ -s "$file" ] || { echo "install: $file is missing (make release runner man)" >&2; exit 1; }
done

manifest=$prefix/share/sandbox/install-manifest
installed=()
put() {  # put MODE SOURCE DESTINATION
  install -D -m "$1" "$2" "$prefix/$3"
  installed+=("$3")
}

put 755 "$bin_dir/sandbox" bin/sandbox
# Where the engine looks for the runner beside an installed binary (../libexec/sandbox/).
put 755 "$bin_dir/sandbox-runner" libexec/sandbox/sandbox-runner
# Where the console looks for themes beside an installed binary (../share/sandbox/themes/).
for theme in "$root"/themes/*.theme; do
  put 644 "$theme" "share/sandbox/themes/$(basename "$theme")"
done
# Where `sandbox demo` looks for the runtimes' samples beside an installed binary (../share/sandbox/examples/).
for sample in "$root"/examples/*/*; do
  put 644 "$sample" "share/sandbox/examples/${sample#"$root"/examples/}"
done
put 644 "$man_dir/sandbox.1" share/man/man1/sandbox.1
put 644 "$man_dir/sandbox-console.7" share/man/man7/sandbox-console.7

completions=$(mktemp -d)
trap 'rm -rf "$completions"' EXIT
for shell in bash zsh fish; do
  "$bin_dir/sandbox" --generate-completion-script "$shell" > "$completions/$shell"
done
put 644 "$completions/bash" share/bash-completion/completions/sandbox
put 644 "$completions/zsh" share/zsh/site-functions/_sandbox
put 644 "$completions/fish" share/fish/vendor_completions.d/sandbox.fish

printf '%s\n' "${installed[@]}" share/sandbox/install-manifest > "$manifest"
echo "installed sandbox into $prefix"
