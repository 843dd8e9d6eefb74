#!/usr/bin/env bash
# Prepares a machine for `make test` / `make run`: system packages, a running dockerd,
# and the local test images (no registry is needed). Idempotent and quiet when all is there.
set -euo pipefail

CACHE=${SANDBOX_CACHE:-/var/cache/sandbox-dev}
BUSYBOX_IMAGE=sandbox-test/busybox:latest
# No shell and no sleep at all (distroless-style), and a musl rootfs (Alpine-style): the runner must
# work in both.
DISTROLESS_IMAGE=sandbox-test/distroless:latest
MUSL_IMAGE=sandbox-test/musl:latest
PYTHON_IMAGE=sandbox-test/python:3.11
# golang-github-burntsushi-toml-dev: the toml-test suite's cases (Tests/TOMLTests counts them, so a
# different version is noticed), not Go itself.
PACKAGES=(docker.io busybox-static debootstrap libncurses-dev libedit-dev libvterm-dev tmux curl python3-venv procps musl-tools man-db groff-base openssh-server openssl podman catatonit runsc iproute2 nftables golang-github-burntsushi-toml-dev)

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

start_docker() {
  bash "$(dirname "$0")/dockerd.sh" start
}

build_busybox_image() {
  docker image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1 && return
  log "building $BUSYBOX_IMAGE"
  local dir; dir=$(mktemp -d)
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev"
  chmod 1777 "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for tool in $("$dir/bin/busybox" --list); do [ "$tool" = busybox ] || ln -s busybox "$dir/bin/$tool"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
  tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' - "$BUSYBOX_IMAGE" >/dev/null
  rm -rf "$dir"
}

build_distroless_image() {
  docker image inspect "$DISTROLESS_IMAGE" >/dev/null 2>&1 && return
  log "building $DISTROLESS_IMAGE"
  local dir; dir=$(mktemp -d)
  mkdir -p "$dir/etc" "$dir/tmp" "$dir/proc" "$dir/sys" "$dir/dev"
  chmod 1777 "$dir/tmp"
  echo 'root:x:0:0:root:/root:/nonexistent' > "$dir/etc/passwd"
  tar -C "$dir" -c . | docker import - "$DISTROLESS_IMAGE" >/dev/null
  rm -rf "$dir"
}

# musl's loader and libc, busybox for a shell, and a program linked against musl dynamically.
build_musl_image() {
  docker image inspect "$MUSL_IMAGE" >/dev/null 2>&1 && return
  log "building $MUSL_IMAGE"
  local dir; dir=$(mktemp -d)
  mkdir -p "$dir/bin" "$dir/lib" "$dir/tmp" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev"
  chmod 1777 "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for tool in sh cat echo ls sleep mkdir; do ln -s busybox "$dir/bin/$tool"; done
  cp -L /lib/ld-musl-x86_64.so.1 "$dir/lib/ld-musl-x86_64.so.1"
  printf '#include <stdio.h>\nint main(void) { puts("hello from musl"); return 0; }\n' > "$dir/hello.c"
  musl-gcc -O2 -o "$dir/bin/hello-musl" "$dir/hello.c" && rm "$dir/hello.c"
  echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
  tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' - "$MUSL_IMAGE" >/dev/null
  rm -rf "$dir"
}

build_python_image() {
  docker image inspect "$PYTHON_IMAGE" >/dev/null 2>&1 && return
  local tarball="$CACHE/bookworm-python3.tar"
  if [ ! -s "$tarball" ]; then
    log "debootstrap bookworm with python3 (a few minutes, cached in $CACHE)"
    as_root mkdir -p "$CACHE"
    local dir; dir=$(mktemp -d)
    as_root debootstrap --variant=minbase --include=python3,procps bookworm "$dir/root" >"$CACHE/debootstrap.log" 2>&1 \
      || { log "debootstrap failed; see $CACHE/debootstrap.log"; exit 1; }
    as_root ln -sf python3 "$dir/root/usr/bin/python"
    as_root rm -rf "$dir/root/var/cache/apt/archives"/*.deb "$dir/root/var/lib/apt/lists"/*
    as_root tar -C "$dir/root" -cf "$tarball.tmp" . && as_root mv "$tarball.tmp" "$tarball"
    as_root rm -rf "$dir"
  fi
  log "importing $PYTHON_IMAGE"
  docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$PYTHON_IMAGE" >/dev/null
}

install_packages
start_docker
build_busybox_image
build_distroless_image
build_musl_image
build_python_image
log "ready: dockerd $(curl -s --unix-socket /var/run/docker.sock http://docker/version | sed -n 's/.*"ApiVersion":"\([^"]*\)".*/API \1/p'); images $BUSYBOX_IMAGE $PYTHON_IMAGE"
