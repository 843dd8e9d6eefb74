#!/usr/bin/env bash
# Removes what scripts/install.sh put into PREFIX, as its manifest lists, and the directories of
# sandbox's own that are left empty. Other files and directories under PREFIX are left alone.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
prefix=$1
manifest=$prefix/share/sandbox/install-manifest
[ -f "$manifest" ] || { echo "uninstall: no sandbox install in $prefix (no $manifest)" >&2; exit 1; }

while IFS= read -r file; do
  case $file in ''|/*|*..*) echo "uninstall: skipping suspicious manifest line '$file'" >&2; continue ;; esac
  rm -f -- "$prefix/$file"
done < "$manifest"
for dir in share/sandbox/themes share/sandbox libexec/sandbox; do
  rmdir -- "$prefix/$dir" 2>/dev/null || true
done
echo "removed sandbox from $prefix"
