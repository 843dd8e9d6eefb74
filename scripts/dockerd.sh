#!/usr/bin/env bash
# Starts or stops the Docker daemon the tests use. --live-restore keeps containers running while
# the daemon restarts, so a sandbox survives a daemon restart (the fault tests check it).
set -u
sock=/var/run/docker.sock
answers() { curl -sf --max-time 2 --unix-socket "$sock" http://docker/_ping >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
case "${1:-start}" in
  start)
    answers && exit 0
    as_root sh -c 'nohup dockerd --live-restore >>/var/log/dockerd.log 2>&1 &'
    for _ in $(seq 1 80); do answers && exit 0; sleep 0.25; done
    echo "dockerd did not answer on $sock; see /var/log/dockerd.log" >&2
    exit 1 ;;
  stop)
    # Only this daemon (its default pid file): the tests' TLS dockerd runs beside it.
    pid=$(cat /var/run/docker.pid 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || exit 0
    as_root kill -TERM "$pid"
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.25; done
    echo "dockerd did not stop" >&2
    exit 1 ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
