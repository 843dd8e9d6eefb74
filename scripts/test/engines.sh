#!/usr/bin/env bash
# engines.sh start|stop (start-tls|stop-tls: the TLS dockerd alone): the other engines `make test` talks to, beside the main dockerd:
#   - a dockerd on 127.0.0.1:23760 that takes TLS clients only (a CA and certificates from
#     certs.sh; its own data root, exec root, pid file and bridge: see ../shared/notes), with the
#     busybox test image loaded;
#   - sshd on 127.0.0.1:2222 with a key made here, so ssh://root@127.0.0.1:2222 reaches the main
#     dockerd through `docker system dial-stdio`;
#   - Podman's Docker-compatible service on unix:///run/sandbox-test-podman.sock, rootful, with the
#     busybox test image (its ulimits pinned: this machine's root lacks CAP_SYS_RESOURCE);
#   - gVisor's runsc registered with the main dockerd as runtime "runsc" (network off: see notes).
# Tests find the files under $STATE (certificates; ssh/config for ssh's own options).
set -euo pipefail
STATE=/var/lib/sandbox-test
TLS_PORT=23760
SSH_PORT=2222
BRIDGE=sbxtls0
BUSYBOX_IMAGE=sandbox-test/busybox:latest
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
log() { echo "[engines] $*"; }
tls_answers() {
  curl -sf --max-time 2 --cacert "$STATE/certs/ca.pem" --cert "$STATE/certs/cert.pem" --key "$STATE/certs/key.pem" \
    "https://127.0.0.1:$TLS_PORT/_ping" >/dev/null 2>&1
}
ssh_answers() { ssh -F "$STATE/ssh/config" sandbox-test-ssh true >/dev/null 2>&1; }

start_tls() {
  bash "$(dirname "$0")/certs.sh" "$STATE/certs"
  if ! tls_answers; then
    ip link show "$BRIDGE" >/dev/null 2>&1 || {
      as_root ip link add "$BRIDGE" type bridge
      as_root ip addr add 172.31.254.1/24 dev "$BRIDGE"
      as_root ip link set "$BRIDGE" up
    }
    as_root sh -c "nohup dockerd --tlsverify --tlscacert '$STATE/certs/ca.pem' --tlscert '$STATE/certs/server.pem' \
      --tlskey '$STATE/certs/server-key.pem' -H tcp://127.0.0.1:$TLS_PORT --data-root '$STATE/tls-docker' \
      --exec-root /run/sandbox-tls-docker --pidfile /run/sandbox-tls-docker.pid --bridge=$BRIDGE --iptables=false \
      --ip-masq=false >>/var/log/sandbox-tls-dockerd.log 2>&1 &"
    for _ in $(seq 1 80); do tls_answers && break; sleep 0.25; done
    tls_answers || { log "the TLS dockerd did not answer; see /var/log/sandbox-tls-dockerd.log"; exit 1; }
  fi
  local remote=(env DOCKER_HOST="tcp://127.0.0.1:$TLS_PORT" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$STATE/certs" docker)
  "${remote[@]}" image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1 || docker save "$BUSYBOX_IMAGE" | "${remote[@]}" load >/dev/null
  log "TLS dockerd on 127.0.0.1:$TLS_PORT"
}

start_ssh() {
  local dir="$STATE/ssh"
  as_root mkdir -p "$dir" /run/sshd
  [ -s "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519"
  [ -s "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/id_ed25519"
  [ -s "$dir/other_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/other_ed25519"  # a key sshd does not know
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
  chmod 600 "$dir/authorized_keys"
  cat > "$dir/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile /run/sandbox-test-sshd.pid
MaxSessions 100
MaxStartups 100
CONF
  cat > "$dir/config" <<CONF
Host sandbox-test-ssh 127.0.0.1
  HostName 127.0.0.1
  Port $SSH_PORT
  User root
  IdentityFile $dir/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
Host sandbox-test-ssh-wrong-key
  HostName 127.0.0.1
  Port $SSH_PORT
  User root
  IdentityFile $dir/other_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
CONF
  if ! ssh_answers; then
    as_root /usr/sbin/sshd -f "$dir/sshd_config"
    for _ in $(seq 1 40); do ssh_answers && break; sleep 0.25; done
    ssh_answers || { log "sshd did not let us in on 127.0.0.1:$SSH_PORT"; exit 1; }
  fi
  log "sshd on 127.0.0.1:$SSH_PORT (ssh -F $dir/config sandbox-test-ssh)"
}

PODMAN_SOCKET=/run/sandbox-test-podman.sock
podman_answers() { curl -sf --max-time 2 --unix-socket "$PODMAN_SOCKET" http://d/_ping >/dev/null 2>&1; }

start_podman() {
  command -v podman >/dev/null || { log "podman is not installed"; exit 1; }
  as_root mkdir -p /etc/containers/containers.conf.d
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n' |
    as_root tee /etc/containers/containers.conf.d/sandbox-test.conf >/dev/null
  if ! podman_answers; then
    as_root sh -c "nohup podman system service --time=0 unix://$PODMAN_SOCKET >>/var/log/sandbox-test-podman.log 2>&1 &"
    for _ in $(seq 1 80); do podman_answers && break; sleep 0.25; done
    podman_answers || { log "podman's service did not answer; see /var/log/sandbox-test-podman.log"; exit 1; }
  fi
  podman image exists "$BUSYBOX_IMAGE" || docker save "$BUSYBOX_IMAGE" | podman load -q >/dev/null
  log "podman on unix://$PODMAN_SOCKET"
}

start_runsc() {
  command -v runsc >/dev/null || { log "runsc is not installed"; exit 1; }
  docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' && { log "runsc registered with dockerd"; return; }
  as_root mkdir -p /etc/docker
  as_root python3 - <<'PY'
import json, os
path = "/etc/docker/daemon.json"
config = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else {}
config.setdefault("runtimes", {})["runsc"] = {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}
json.dump(config, open(path, "w"), indent=2)
PY
  as_root kill -HUP "$(cat /var/run/docker.pid)"  # the main daemon (the TLS one has its own pid file)
  for _ in $(seq 1 40); do docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' && break; sleep 0.25; done
  docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' || { log "dockerd did not take runsc"; exit 1; }
  log "runsc registered with dockerd"
}

stop_pidfile() { [ -s "$1" ] && as_root kill -TERM "$(cat "$1")" 2>/dev/null || true; }

# Only the TLS dockerd, and only once it has exited (so that start-tls can start it again at once):
# the console's test of an engine that goes away mid-session uses it.
stop_tls() {
  local pid
  pid=$(cat /run/sandbox-tls-docker.pid 2>/dev/null || true)
  stop_pidfile /run/sandbox-tls-docker.pid
  [ -n "$pid" ] || return 0
  for _ in $(seq 1 120); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
  if [ -d "/proc/$pid" ]; then log "the TLS dockerd ($pid) did not exit"; exit 1; fi
  log "TLS dockerd stopped"
}

case "${1:-start}" in
  start) start_tls; start_ssh; start_podman; start_runsc ;;
  stop) stop_pidfile /run/sandbox-tls-docker.pid; stop_pidfile /run/sandbox-test-sshd.pid ;;
  start-tls) start_tls ;;
  stop-tls) stop_tls ;;
  *) echo "usage: $0 start|stop|start-tls|stop-tls" >&2; exit 2 ;;
esac
