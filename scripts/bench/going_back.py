"""`make bench`'s snapshot rows: a snapshot of a sandbox with 100 MiB changed, a new sandbox from it to the first output
of a Python script (beside a new one from its image), and 8 running copies of it, by SandboxKit and by the docker CLI
(`commit`, `run` + `exec`), taking turns in each round."""
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

SCRIPT = "python3 -c 'print(sum(range(10)))'"
CHANGE = "head -c 104857600 /dev/urandom > /workspace/changed.bin"
# (what, our scenario, goal in seconds or as a ratio to the "cold" scenario)
ROWS = [("snapshot of a sandbox with 100 MiB changed", "snapshot", ("s", 2.0)),
        ("new sandbox from the snapshot → first output of a Python script", "from-snapshot", ("cold", 1.2)),
        ("fork: 8 running copies, all answering", "fork", ("s", 2.0))]


def docker(*args):
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout.strip()


def cli_samples(image, key, runs):
    """The docker CLI doing the same: `commit`; `run -d` + `exec` from it; 8 parallel `run -d` + `exec true`."""
    source = docker("run", "-d", "--init", "--label", "sandbox.bench=true", "-w", "/workspace", image, "sleep", "infinity")
    samples = []
    try:
        docker("exec", source, "sh", "-c", "mkdir -p /workspace && " + CHANGE)
        for _ in range(runs):
            if key == "snapshot":
                start = time.perf_counter()
                made = docker("commit", source)
                samples.append(time.perf_counter() - start)
                docker("rmi", made)
                continue
            start = time.perf_counter()  # a fork's commit is part of it, on both sides
            made = docker("commit", source)
            try:
                if key == "from-snapshot":
                    start = time.perf_counter()
                    copy = docker("run", "-d", "--init", "--label", "sandbox.bench=true", made, "sleep", "infinity")
                    output = docker("exec", copy, "sh", "-c", SCRIPT)
                    samples.append(time.perf_counter() - start)
                    assert output == "45", output
                    docker("rm", "-f", copy)
                else:
                    def one(_):
                        copy = docker("run", "-d", "--init", "--label", "sandbox.bench=true", made, "sleep", "infinity")
                        docker("exec", copy, "true")
                        return copy
                    with ThreadPoolExecutor(8) as threads:
                        copies = list(threads.map(one, range(8)))
                    samples.append(time.perf_counter() - start)
                    docker("rm", "-f", *copies)
            finally:
                docker("rmi", "-f", made)
    finally:
        docker("rm", "-f", source)
    return samples


def checkpoint_note():
    experimental = docker("info", "--format", "{{.ExperimentalBuild}}")
    if experimental != "true":
        return ("Docker's checkpoint API (`checkpoint create`, `start --checkpoint`) needs the daemon in experimental mode, "
                "and this daemon is not: with processes is not measured.")
    return "The daemon is in experimental mode, but with processes is not measured yet."


def figures(ours, image, runs, rounds, summary):
    """{scenario: (ours, cli)} summaries; plus the cold row's for the ratio."""
    results = {}
    for _, key, _ in ROWS:
        mine, theirs = [], []
        for turn in range(rounds):
            count = runs // rounds + (1 if turn < runs % rounds else 0)
            print(f"  {key:14} round {turn + 1}/{rounds} …", file=sys.stderr, flush=True)
            mine += ours.run(key, count)[0]
            theirs += cli_samples(image, key, count)
        results[key] = (summary(mine), summary(theirs))
    return results


def section(results, cold, cell, ms):
    """BENCHMARKS.md's section; `cold`: SandboxKit's new sandbox from its image (the runner), for the ratio."""
    lines = ["", "## Going back", "",
             "A sandbox with 100 MiB written into it (the Python image): `snapshot()` (a commit, the sandbox paused meanwhile),",
             "a new sandbox from that snapshot to its first output, and `fork(count: 8)` to all 8 answering a command (its own",
             "snapshot included), beside the docker CLI doing the same (`commit`; `run -d` + `exec` from the image; 8 parallel",
             "`run -d` + `exec true` after its `commit`).", "",
             "| | SandboxKit | docker CLI | goal | met |", "|---|---|---|---|---|"]
    for what, key, (kind, goal) in ROWS:
        mine, theirs = results[key]
        if kind == "s":
            target, met = f"≤ {ms(goal)}", mine["median"] <= goal
        else:
            target, met = f"≤ {goal}× a new one from its image ({ms(cold)})", mine["median"] <= goal * cold
        lines.append(f"| {what} | {cell(mine)} | {cell(theirs)} | {target} | {'yes' if met else '**no**'} |")
    lines += ["", checkpoint_note() + " gVisor's `runsc checkpoint` exists (and runs here only without a network), CRIU's "
              "`criu check` fails on this machine's kernel: snapshots here hold files and settings, not processes."]
    return lines
