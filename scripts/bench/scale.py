"""`make bench`'s scale rows: 100 sandboxes made at once from one process, each answering `echo`, by SandboxKit,
pydantic-ai-backend (100 threads), the docker CLI (100 parallel `run -d` + `exec`) and curl (the daemon's floor: the
same create, start and exec requests, 100 at once). Every client's failures and leftover containers are counted."""
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

COUNT = 100


def containers():
    return set(subprocess.run(["docker", "ps", "-aq", "--no-trunc"], check=True, capture_output=True, text=True).stdout.split())


def threaded(make, remove):
    """COUNT threads each making a sandbox and running `echo i` in it: (seconds to all answering, failures), then
    every one removed."""
    def one(index):
        try:
            handle, output = make(index)
            return handle, None if output == f"{index}\n" else f"echo {index}: {output!r}"
        except Exception as error:  # a failed start is a figure here, not the end of the bench
            return None, f"{type(error).__name__}: {str(error)[:200]}"
    with ThreadPoolExecutor(COUNT) as threads:
        start = time.perf_counter()
        answers = list(threads.map(one, range(COUNT)))
        took = time.perf_counter() - start
        list(threads.map(lambda answer: answer[0] is not None and remove(answer[0]), answers))
    return took, [failure for _, failure in answers if failure], {}


def docker_cli(image):
    def make(index):
        cid = subprocess.run(["docker", "run", "-d", "--init", "--label", "sandbox.bench=true", image, "sleep", "infinity"],
                             check=True, capture_output=True, text=True).stdout.strip()
        return cid, subprocess.run(["docker", "exec", cid, "echo", str(index)], check=True, capture_output=True, text=True).stdout
    return threaded(make, lambda cid: subprocess.run(["docker", "rm", "-f", cid], capture_output=True))


def curl(image, sock):
    def call(method, path, body=None):
        command = ["curl", "-sS", "-f", "--unix-socket", sock, "-X", method, f"http://docker{path}"]
        if body is not None:
            command += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        return subprocess.run(command, check=True, capture_output=True).stdout

    def make(index):
        cid = json.loads(call("POST", "/containers/create", {"Image": image, "Cmd": ["sleep", "infinity"],
                                                             "Labels": {"sandbox.bench": "true"}, "HostConfig": {"Init": True}}))["Id"]
        call("POST", f"/containers/{cid}/start")
        exec_id = json.loads(call("POST", f"/containers/{cid}/exec", {"Cmd": ["echo", str(index)], "AttachStdout": True}))["Id"]
        output = call("POST", f"/exec/{exec_id}/start", {"Detach": False, "Tty": False})
        return cid, output[8:].decode()  # one stdout frame
    return threaded(make, lambda cid: call("DELETE", f"/containers/{cid}?force=true"))


def process(command, env=None):
    """A client measured in its own process (sandbox-bench, pydantic_peer.py): it reports its own failures."""
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    if result.returncode != 0:
        return None, [result.stderr.strip()[-300:]], {}
    data = json.loads(result.stdout)
    return data["samples"][0], data.get("failures", []), data  # data: the 1,000 commands' time, its peak RSS


def figures(ours, pydantic_python, pydantic_name, image, sock, rounds):
    """{client: [(seconds or None, failures, leftovers) per round]}; the clients take turns in each round."""
    here = os.path.dirname(os.path.abspath(__file__))
    clients = [
        ("SandboxKit (runner)", lambda: process([ours, "burst", image, "1"], {"BENCH_BURST": str(COUNT)})),
        ("SandboxKit (exec path)", lambda: process([ours, "burst", image, "1"], {"BENCH_BURST": str(COUNT), "SANDBOX_RUNNER": "off"})),
        (pydantic_name, lambda: process([pydantic_python, os.path.join(here, "pydantic_peer.py"), "burst", image, "1"])),
        ("docker CLI", lambda: docker_cli(image)),
        ("curl (raw API)", lambda: curl(image, sock)),
    ]
    results = {name: [] for name, _ in clients}
    commands = []  # (seconds for 1,000 commands over the 100, peak RSS KiB) per round, ours by the runner
    for turn in range(rounds):
        for name, run in clients:
            print(f"  burst {name} round {turn + 1}/{rounds} …", flush=True, file=sys.stderr)
            before = containers()
            took, failures, extra = run()
            time.sleep(1)  # removals the client did not wait for
            left = containers() - before
            if left:
                subprocess.run(["docker", "rm", "-f", *left], capture_output=True)
            results[name].append((took, failures, len(left)))
            if name == "SandboxKit (runner)":
                commands.append(((extra.get("commands") or [None])[0], extra.get("maxrss_kib", 0)))
    return results, commands


def section(measured, ms):
    results, commands = measured
    lines = ["", "## Many at once", "",
             f"{COUNT} sandboxes made at once from one process, each running `echo i` (its output checked): wall time from the",
             "first request to the last answer, best of the rounds; then every one removed. SandboxKit: a task group of",
             f"`DockerSandbox`es on one client; pydantic-ai-backend 0.2.29: {COUNT} threads; the docker CLI: {COUNT} parallel",
             "`run -d` + `exec`; curl: the same create, start and exec requests, the daemon's floor. A failure or a container",
             "left after the removals is counted, never retried.", "",
             "| client | to all answering | failed | left behind |", "|---|---|---|---|"]
    for name, rounds in results.items():
        times = [took for took, failures, _ in rounds if took is not None and not failures]
        failed = sum(len(failures) for _, failures, _ in rounds)
        left = sum(left for _, _, left in rounds)
        example = next((failures[0] for _, failures, _ in rounds if failures), None)
        lines.append(f"| {name} | {ms(min(times)) if times else '—'} | {failed} of {COUNT * len(rounds)}"
                     f"{f' (e.g. {example[:120]})' if example else ''} | {left} |")
    timed = [seconds for seconds, _ in commands if seconds is not None]
    if timed:
        lines += ["", f"Then 10 commands in each of the {COUNT} at once, 1,000 in flight from one process (SandboxKit, the runner; their",
                  f"failures are counted above): {ms(min(timed))} to all answering, the process's peak RSS "
                  f"{max(kib for _, kib in commands) / 1024:.0f} MiB."]
    return lines
