#!/usr/bin/env bash
# Prints the image `make run` should use: python:3.12-slim if present or pullable, else the
# local fallback given as $1 (built by setup-machine.sh when no registry answers).
set -u
preferred=python:3.12-slim
if docker image inspect "$preferred" >/dev/null 2>&1 || timeout 60 docker pull -q "$preferred" >/dev/null 2>&1; then
  echo "$preferred"
else
  echo "[setup] no registry answers for $preferred; using the local image $1" >&2
  echo "$1"
fi
