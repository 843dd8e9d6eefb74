#!/usr/bin/env python3
"""`make bench`: SandboxKit through its resident runner and by the exec path, against the docker CLI, the
raw API (curl on the socket) and pydantic-ai-backend 0.1.14 and 0.2.29, on the same daemon and image in one
run; then the console's own figures through tmux. Prints a table and writes BENCHMARKS.md."""
import argparse
import collections
import datetime
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import going_back
import idle_cpu
import network
import scale

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = "python3 -c 'print(sum(range(10)))'"
BIG_OUTPUT = ("yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxy"
              " | head -c 104857600")
CONTENT = bytes((i * 2654435761 >> 13) & 0xFF for i in range(10 * 1024 * 1024))
LABEL = "sandbox.bench=true"
CONCURRENT = 50

# ratio: the target for SandboxKit's median over pydantic-ai-backend 0.1.14's (over both peers' when
# `both`); absolute: seconds; base: the peers' scenario the ratio is taken to.
Scenario = collections.namedtuple("Scenario", "key what runs ratio both absolute base", defaults=(None, False, None, None))
SCENARIOS = [
    Scenario("exec", "warm `execute(\"true\")`", 200, ratio=0.1, both=True, absolute=0.005),
    Scenario("pooled", "new sandbox from the pool → first output of a Python script (ratios to the peers' cold figure)", 7,
             ratio=0.1, base="cold"),
    Scenario("cold", "new sandbox → first output of a Python script, no pool", 7, ratio=0.75),
    Scenario("write", "write a 10 MiB file", 7, ratio=0.3),
    Scenario("read", "read the 10 MiB file back", 7),
    Scenario("output", "a command printing 100 MiB", 7, ratio=0.25),
    Scenario("concurrent", f"{CONCURRENT} concurrent `sleep 0.2; echo $i` on one sandbox (wall time; every output checked)", 7,
             absolute=0.6),
    Scenario("stop", "stop()", 5, ratio=0.05),
]
RSS_TARGET_KIB = 64 * 1024
# Issue 15's figures: SandboxKit on other engines (started by scripts/test/engines.sh) and under gVisor, each
# beside the same scenario on the unix socket in the same rounds. (what, engine, scenario, image, target ratio)
TEST_STATE = "/var/lib/sandbox-test"
BUSYBOX = "sandbox-test/busybox:latest"  # the image the TLS dockerd has
ENGINES = {
    "TLS": {"DOCKER_HOST": "tcp://127.0.0.1:23760", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": TEST_STATE + "/certs"},
    "ssh": {"DOCKER_HOST": "ssh://sandbox-test-ssh", "SANDBOX_SSH_CONFIG": TEST_STATE + "/ssh/config"},
    "gVisor": {},
}
ELSEWHERE = [
    ("warm `execute(\"true\")` over TLS on loopback", "TLS", "exec", BUSYBOX, 1.2),
    ("write a 10 MiB file over TLS on loopback", "TLS", "write", BUSYBOX, 1.2),
    ("warm `execute(\"true\")` over ssh, after the first call", "ssh", "exec", BUSYBOX, 1.5),
    ("write a 10 MiB file over ssh, after the first call", "ssh", "write", BUSYBOX, 1.5),
    ("a new client's first request (`GET /version`) over ssh: a new connection, what every call would cost without reuse",
     "ssh", "connect", BUSYBOX, None),
    ("new sandbox → first output of a Python script under gVisor (runsc)", "gVisor", "cold", None, None),
    ("warm `execute(\"true\")` under gVisor (runsc)", "gVisor", "exec", None, None),
]
ROUNDS = 7
QUICK_RUNS = {"exec": 20}  # --quick: these runs (2 for the rest) in one round, to check the generator


def socket_path():
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        sys.exit("bench: the curl and docker CLI peers need a unix DOCKER_HOST")
    return host[len("unix://"):]


class PerCallClient:
    """A client that starts one process per operation; subclasses say how to do each one."""
    name = ""

    def run(self, scenario, runs):
        samples, rss = [], None
        if scenario == "cold":
            for _ in range(runs):
                start = time.perf_counter()
                cid = self.create()
                output = self.execute(cid, SCRIPT)
                samples.append(time.perf_counter() - start)
                assert b"45\n" in output, output
                self.remove(cid)
            return samples, rss
        if scenario == "stop":
            for _ in range(runs):
                cid = self.create()
                samples.append(timed(lambda: self.remove(cid)))
            return samples, rss
        cid = self.create()
        try:
            if scenario == "concurrent":
                with ThreadPoolExecutor(CONCURRENT) as threads:
                    for _ in range(runs):
                        start = time.perf_counter()
                        outputs = list(threads.map(lambda i: self.execute(cid, f"sleep 0.2; echo {i}"), range(CONCURRENT)))
                        samples.append(time.perf_counter() - start)
                        wrong = [i for i, output in enumerate(outputs) if self.stdout(output) != f"{i}\n".encode()]
                        assert not wrong, f"{self.name}: {len(wrong)} of {CONCURRENT} concurrent commands answered wrongly"
            elif scenario == "exec":
                samples = [timed(lambda: self.execute(cid, "true")) for _ in range(runs + 5)][5:]
            elif scenario in ("write", "read"):
                with tempfile.TemporaryDirectory() as tmp:
                    for _ in range(runs):
                        write = timed(lambda: self.write(cid, tmp))
                        holder = {}
                        read = timed(lambda: holder.update(back=self.read(cid, tmp)))
                        assert holder["back"] == CONTENT
                        samples.append(write if scenario == "write" else read)
            elif scenario == "output":
                for _ in range(runs):
                    start = time.perf_counter()
                    process = subprocess.Popen(self.output_command(cid), stdout=subprocess.DEVNULL)
                    peak = peak_while_running(process)
                    samples.append(time.perf_counter() - start)
                    assert process.returncode == 0, f"{self.name}: the 100 MiB command failed ({process.returncode})"
                    rss = max(rss or 0, peak)
        finally:
            self.remove(cid)
        return samples, rss

    def stdout(self, output):
        """What a command printed, from what `execute` returned."""
        return output


class Curl(PerCallClient):
    """The raw API floor: one curl process per request, nothing else."""
    name = "curl (raw API)"

    def __init__(self, image):
        self.image, self.sock = image, socket_path()
        self.api = json.loads(self.call("GET", "/version", versioned=False))["ApiVersion"]

    def call(self, method, path, body=None, tar=None, out=None, versioned=True):
        return subprocess.run(self.command(method, path, body, tar, out, versioned), check=True, capture_output=True).stdout

    def command(self, method, path, body=None, tar=None, out=None, versioned=True):
        url = f"http://docker{'/v' + self.api if versioned else ''}{path}"
        cmd = ["curl", "-sS", "-f", "--unix-socket", self.sock, "-X", method, url, "-o", out or "-"]
        if body is not None:
            cmd += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        if tar is not None:
            cmd += ["-H", "Content-Type: application/x-tar", "--data-binary", "@" + tar]
        return cmd

    def create(self):
        made = json.loads(self.call("POST", "/containers/create", {
            "Image": self.image, "Cmd": ["sleep", "infinity"], "WorkingDir": "/workspace",
            "Labels": {"sandbox.bench": "true"}, "HostConfig": {"Init": True}}))
        self.call("POST", f"/containers/{made['Id']}/start")
        return made["Id"]

    def exec_create(self, cid, command):
        return json.loads(self.call("POST", f"/containers/{cid}/exec", {
            "Cmd": ["sh", "-c", command], "AttachStdout": True, "AttachStderr": True}))["Id"]

    def execute(self, cid, command):
        exec_id = self.exec_create(cid, command)
        output = self.call("POST", f"/exec/{exec_id}/start", {"Detach": False, "Tty": False})
        self.call("GET", f"/exec/{exec_id}/json")  # the exit code, which every other client asks for too
        return output

    def stdout(self, output):
        """The stdout frames of a non-TTY exec's multiplexed stream (8-byte headers: stream, 0, 0, 0, size)."""
        payload, offset = b"", 0
        while offset + 8 <= len(output):
            size = int.from_bytes(output[offset + 4:offset + 8], "big")
            if output[offset] == 1:
                payload += output[offset + 8:offset + 8 + size]
            offset += 8 + size
        return payload

    def output_command(self, cid):
        # The exec is created first (inside the timing); the streaming request is the process whose RSS counts.
        return self.command("POST", f"/exec/{self.exec_create(cid, BIG_OUTPUT)}/start", {"Detach": False, "Tty": False}, out="/dev/null")

    def write(self, cid, tmp):
        archive = os.path.join(tmp, "in.tar")
        if not os.path.exists(archive):  # the floor: the tar is made once, outside the timing
            with tarfile.open(archive, "w") as tar:
                info = tarfile.TarInfo("blob.bin")
                info.size = len(CONTENT)
                tar.addfile(info, io.BytesIO(CONTENT))
        self.call("PUT", f"/containers/{cid}/archive?path=/workspace", tar=archive)

    def read(self, cid, tmp):
        back = os.path.join(tmp, "out.tar")
        self.call("GET", f"/containers/{cid}/archive?path=/workspace/blob.bin", out=back)
        with tarfile.open(back) as tar:
            return tar.extractfile("blob.bin").read()

    def remove(self, cid):
        self.call("DELETE", f"/containers/{cid}?force=true")

    def request_cost(self, runs=20):
        """What one curl request costs by itself (process start, connect): `GET /_ping`."""
        return statistics.median(timed(lambda: self.call("GET", "/_ping", versioned=False)) for _ in range(runs))

    def create_start_cost(self, runs):
        """A container's create and start (two requests), without any command in it."""
        samples = []
        for _ in range(runs):
            holder = {}
            samples.append(timed(lambda: holder.update(cid=self.create())))
            self.remove(holder["cid"])
        return statistics.median(samples)


class DockerCLI(PerCallClient):
    """The `docker` command, one process per operation, as a person would script it."""
    name = "docker CLI"

    def __init__(self, image):
        self.image = image

    @staticmethod
    def docker(*args):
        return subprocess.run(["docker", *args], check=True, capture_output=True).stdout

    def create(self):
        return self.docker("run", "-d", "--init", "--label", LABEL, "-w", "/workspace", self.image, "sleep", "infinity").decode().strip()

    def execute(self, cid, command):
        return self.docker("exec", cid, "sh", "-c", command)

    def output_command(self, cid):
        return ["docker", "exec", cid, "sh", "-c", BIG_OUTPUT]

    def produce_cost(self, runs=3):
        """The 100 MiB command writing to /dev/null inside the container, through `docker exec`."""
        cid = self.create()
        try:
            return statistics.median(timed(lambda: self.docker("exec", cid, "sh", "-c", BIG_OUTPUT + " > /dev/null")) for _ in range(runs))
        finally:
            self.remove(cid)

    def relay_costs(self, runs=3):
        """10 MiB into an exec's stdin and out of its stdout (`cat`), each less a `docker exec` of `true`:
        the daemon relaying an attached stream, which the runner's files cross."""
        cid = self.create()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                self.write(cid, tmp)
                local = os.path.join(tmp, "blob.bin")

                def stdin():
                    with open(local, "rb") as source:
                        subprocess.run(["docker", "exec", "-i", cid, "sh", "-c", "cat > /dev/null"], stdin=source, check=True)

                def stdout():
                    subprocess.run(["docker", "exec", cid, "cat", "/workspace/blob.bin"], stdout=subprocess.DEVNULL, check=True)
                base = statistics.median(timed(lambda: self.execute(cid, "true")) for _ in range(runs))
                return (statistics.median(timed(stdin) for _ in range(runs)) - base,
                        statistics.median(timed(stdout) for _ in range(runs)) - base)
        finally:
            self.remove(cid)

    def write(self, cid, tmp):
        local = os.path.join(tmp, "blob.bin")
        if not os.path.exists(local):
            with open(local, "wb") as handle:
                handle.write(CONTENT)
        self.docker("cp", local, f"{cid}:/workspace/blob.bin")

    def read(self, cid, tmp):
        return self.docker("exec", cid, "cat", "/workspace/blob.bin")

    def remove(self, cid):
        self.docker("rm", "-f", cid)


class Process:
    """A client measured in its own process: sandbox-bench (ours, by either path) or a pydantic-ai-backend peer.
    `path`: how sandbox-bench must report its sandboxes ran commands ("runner" or "exec"), so that a
    column never measures another path than its name says."""

    def __init__(self, name, command, image, env=None, path=None):
        self.name, self.command, self.image, self.path = name, command, image, path
        self.env = dict(os.environ, **(env or {}))
        self.wrong = collections.Counter()  # scenario: concurrent commands a peer answered wrongly
        self.wrong_example = {}

    def run(self, scenario, runs):
        result = subprocess.run(self.command + [scenario, self.image, str(runs)], capture_output=True, text=True, env=self.env)
        if result.returncode != 0:
            sys.exit(f"bench: {self.name} {scenario} failed: {result.stderr.strip()}")
        data = json.loads(result.stdout)
        off_path = [path for path in data.get("paths", []) if path.split(" ")[0] != self.path]
        if self.path and off_path:
            sys.exit(f"bench: {self.name} {scenario} ran by another path than {self.path}: {', '.join(off_path)}")
        self.wrong[scenario] += data.get("wrong", 0)
        if data.get("wrong_example"):
            self.wrong_example[scenario] = data["wrong_example"]
        return data["samples"], data["maxrss_kib"] if scenario == "output" else None


def peer_version(python):
    """The pydantic-ai-backend version a venv's python imports."""
    return subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('pydantic-ai-backend'))"],
                          check=True, capture_output=True, text=True).stdout.strip()


def peak_while_running(process):
    """The process's peak RSS in KiB (VmHWM), read until it exits. Not wait4's ru_maxrss: Linux
    carries this driver's own size across the fork and exec, which would hide a small client's."""
    peak = 0
    while process.poll() is None:
        try:
            with open(f"/proc/{process.pid}/status") as status:
                peak = max(peak, next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0))
        except OSError:
            pass
        time.sleep(0.002)
    return peak


def timed(action):
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def cell(stats):
    if stats is None:
        return "—"
    scale, unit = (1, "s") if stats["median"] >= 10 else (1000, "ms")
    fmt = (lambda v: f"{v * scale:.2f}") if stats["median"] >= 10 else (lambda v: f"{v * scale:.0f}" if v * scale >= 10 else f"{v * scale:.1f}")
    return f"{fmt(stats['median'])} {unit} ({fmt(stats['min'])}–{fmt(stats['max'])})"


def machine(image):
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    engine = json.loads(subprocess.run(["docker", "version", "--format", "{{json .Server}}"], capture_output=True, text=True).stdout or "{}")
    size = subprocess.run(["docker", "image", "inspect", image, "--format", "{{.Size}}"], capture_output=True, text=True).stdout.strip()
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, {memory // 1024 // 1024} GiB; "
            f"Docker Engine {engine.get('Version', '?')} (API {engine.get('ApiVersion', '?')}); "
            f"image `{image}` ({int(size or 0) // 1024 // 1024} MiB)")


def listed(screen):
    """How many sandboxes the console's list title says it holds (0 before it has any)."""
    found = re.search(r"Sandboxes \((\d+)\)", screen)
    return int(found.group(1)) if found else 0


def tui_figures(sandbox_bin, image, count=50):
    """Time to the first full frame with `count` sandboxes listed, keypress latency. (Idle CPU is idle_cpu.py's,
    beside lazydocker.)"""
    names = [f"bench-tui-{i:02d}" for i in range(count)]
    env = dict(os.environ, SANDBOX_DEFAULT_IMAGE=image)
    session = f"bench-tui-{os.getpid()}"

    def screen():
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    def wait(predicate, timeout=20):
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            text = screen()
            if predicate(text):
                return time.perf_counter()
        raise SystemExit("bench: the console did not show the expected screen:\n" + screen())

    try:
        for name in names:
            subprocess.run([sandbox_bin, "new", "--image", image, "--name", name], check=True, capture_output=True, env=env)
        start = time.perf_counter()
        subprocess.run(["tmux", "-u", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8",
                        "-e", "TERM=xterm-256color", "-e", f"SANDBOX_DEFAULT_IMAGE={image}", sandbox_bin, "console"], check=True)
        # At least ours: on a daemon others use too, the list holds theirs as well.
        first_frame = wait(lambda s: listed(s) >= count and "connected" in s) - start
        shown = listed(screen())
        time.sleep(2)  # let the start-up settle
        latencies = []
        for _ in range(20):
            sent = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", session, "?"], check=True)
            latencies.append(wait(lambda s: "Keys - any key closes" in s) - sent)
            sent = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", session, "?"], check=True)
            latencies.append(wait(lambda s: "Keys - any key closes" not in s) - sent)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        return {"first_frame": first_frame, "keypress": summary(latencies), "count": shown}
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        for name in names:
            subprocess.run([sandbox_bin, "rm", name], capture_output=True, env=env)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--image", required=True)
    parser.add_argument("--ours", required=True, help="the release sandbox-bench, with sandbox-runner beside it")
    parser.add_argument("--sandbox", required=True, help="the release sandbox binary (for the console figures)")
    parser.add_argument("--pydantic-python", required=True, action="append",
                        help="python of a venv with pydantic-ai-backend, once per peer; the targets are ratios to the first (0.1.14)")
    parser.add_argument("--output", default="BENCHMARKS.md")
    parser.add_argument("--quick", action="store_true", help="a few runs in two rounds and a short console test: checks the "
                        "generator end to end in about two minutes; its figures are not for comparing")
    args = parser.parse_args()
    began = time.perf_counter()

    ours = Process("SandboxKit (runner)", [args.ours], args.image, path="runner")
    by_exec = Process("SandboxKit (exec path)", [args.ours], args.image, env={"SANDBOX_RUNNER": "off"}, path="exec")
    peers = [Process(f"pydantic-ai-backend {peer_version(python)}", [python, os.path.join(HERE, "pydantic_peer.py")], args.image)
             for python in args.pydantic_python]
    curl, cli = Curl(args.image), DockerCLI(args.image)
    clients = [ours, by_exec, cli, curl, *peers]
    runs = {s.key: (QUICK_RUNS.get(s.key, 2) if args.quick else s.runs) for s in SCENARIOS}
    # The clients take turns, a few runs each per round, so that the machine's drift over the
    # run (this is a shared 2-core VM) falls on all of them alike.
    results = {}
    for scenario in SCENARIOS:
        key = scenario.key
        rounds = min(runs[key], 1 if args.quick else ROUNDS)
        taking = [c for c in clients if key != "pooled" or c in (ours, by_exec)]
        samples = {c.name: [] for c in taking}
        rss = {c.name: None for c in taking}
        for turn in range(rounds):
            count = runs[key] // rounds + (1 if turn < runs[key] % rounds else 0)
            print(f"  {time.perf_counter() - began:4.0f} s  {key:10} round {turn + 1}/{rounds} …", file=sys.stderr, flush=True)
            for client in taking:
                got, peak = client.run(key, count)
                samples[client.name] += got
                rss[client.name] = max(rss[client.name] or 0, peak) if peak else rss[client.name]
        for client in taking:
            results[(key, client.name)] = (summary(samples[client.name]), rss[client.name])

    print("  other engines and gVisor …", file=sys.stderr, flush=True)
    elsewhere = elsewhere_figures(args, runs | {"connect": runs["write"]})
    ssh_floor = ssh_transfer_cost(3 if args.quick else 15)
    print("  network policy …", file=sys.stderr, flush=True)
    policy = network.figures(ours, 4 if args.quick else 21, 1 if args.quick else ROUNDS, summary)
    print("  many at once …", file=sys.stderr, flush=True)
    many = scale.figures(args.ours, args.pydantic_python[-1], peers[-1].name, args.image, socket_path(), 1 if args.quick else 2)
    print("  snapshots …", file=sys.stderr, flush=True)
    back = going_back.figures(ours, args.image, 2 if args.quick else 5, 1 if args.quick else 5, summary)
    print("  the daemon's floor …", file=sys.stderr, flush=True)
    request = curl.request_cost()

    def curl_median(key):
        return results[(key, curl.name)][0]["median"]
    floors = {
        "request": request,
        "create_start": curl.create_start_cost(3 if args.quick else 7) - 2 * request,
        "exec": curl_median("exec") - 3 * request,
        "put": curl_median("write") - request,
        "get": curl_median("read") - request,
        "remove": curl_median("stop") - request,
        "produce": cli.produce_cost(),
    }
    floors["relay_in"], floors["relay_out"] = cli.relay_costs()
    print("  console figures …", file=sys.stderr, flush=True)
    tui = tui_figures(args.sandbox, args.image, 10 if args.quick else 50)

    runner_path = os.path.join(os.path.dirname(args.ours), "sandbox-runner")
    lines = report(args, clients, ours, by_exec, peers, results, runs, floors, tui,
                   os.path.getsize(runner_path) // 1024, time.perf_counter() - began)
    console = lines.index("## The console")
    lines[console - 1:console - 1] = (elsewhere_section(elsewhere, ssh_floor) + network.section(policy, cell) + scale.section(many, ms)
                                      + going_back.section(back, results[("cold", ours.name)][0]["median"], cell, ms))
    lines = idle_cpu.with_row(lines, idle_cpu.measure(args.sandbox, os.path.join(os.path.dirname(args.pydantic_python[0]), "lazydocker"),
                                                      5 if args.quick else 30))
    with open(args.output, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"bench: {(time.perf_counter() - began) / 60:.1f} min", file=sys.stderr)


def elsewhere_figures(args, runs):
    """ELSEWHERE's rows: SandboxKit (runner) there and on the unix socket, taking turns in each round. A client
    that cannot run (an engine not started) leaves its row with the reason instead of ending the bench."""
    rows = []
    for what, engine, key, image, target in ELSEWHERE:
        image = image or args.image
        runtime = ["--oci-runtime", "runsc"] if engine == "gVisor" else []
        here = Process("unix socket", [args.ours], image, path="runner")
        there = Process(engine, [args.ours, *runtime], image, env=ENGINES[engine], path="runner")
        rounds = min(runs[key], 1 if args.quick else ROUNDS)
        samples, failure = {here.name: [], there.name: []}, None
        for turn in range(rounds):
            count = runs[key] // rounds + (1 if turn < runs[key] % rounds else 0)
            print(f"  {key:10} {engine} round {turn + 1}/{rounds} …", file=sys.stderr, flush=True)
            try:
                for client in (here, there):
                    samples[client.name] += client.run(key, count)[0]
            except SystemExit as stopped:
                failure = str(stopped)
                break
        rows.append((what, target, None if failure else summary(samples[here.name]),
                     None if failure else summary(samples[there.name]), failure))
    return rows


def ssh_transfer_cost(runs):
    """ssh's own price for 10 MiB, the floor under the ssh write row: `ssh HOST 'cat > /dev/null'` over an open
    master connection with 10 MiB on stdin, less the same with nothing, median of `runs` pairs (each run opens
    a session on the master, as SandboxKit's connections do). None when ssh cannot connect."""
    with tempfile.TemporaryDirectory() as directory:
        blob = os.path.join(directory, "blob")
        with open(blob, "wb") as handle:
            handle.write(os.urandom(10 << 20))
        base = ["ssh", "-F", ENGINES["ssh"]["SANDBOX_SSH_CONFIG"], "-o", "ControlMaster=auto",
                "-o", f"ControlPath={directory}/master", "-o", "ControlPersist=60", "sandbox-test-ssh"]
        try:
            subprocess.run(base + ["true"], check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)

            def timed(source):
                with open(source, "rb") as stdin:
                    began = time.perf_counter()
                    subprocess.run(base + ["cat > /dev/null"], check=True, stdin=stdin, capture_output=True, timeout=60)
                    return time.perf_counter() - began
            costs = [timed(blob) - timed(os.devnull) for _ in range(runs)]
        except (OSError, subprocess.SubprocessError):
            return None
        finally:
            try:
                subprocess.run(base[:-1] + ["-O", "exit", "sandbox-test-ssh"], stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
            except (OSError, subprocess.SubprocessError):
                pass
    return statistics.median(costs)


def elsewhere_section(rows, ssh_floor):
    """BENCHMARKS.md's section for ELSEWHERE's rows."""
    lines = ["", "## Other engines and gVisor", "",
             "SandboxKit (runner) on the TLS dockerd on loopback, through ssh to the main dockerd (`docker system dial-stdio`",
             "behind one ControlMaster connection), and under gVisor, each beside the same scenario on the unix socket in the",
             "same rounds. The TLS daemon has only the busybox image, so its rows and the ssh rows use it on both sides; the",
             "ssh figures come after each sandbox's first call (the connection made), except the new client's, which is what a",
             "call costs when nothing is reused. Engines come from `scripts/test/engines.sh start`.", "",
             "| | unix socket | there | ratio | target | met |", "|---|---|---|---|---|---|"]
    write_here = None
    for what, target, here, there, failure in rows:
        if failure:
            lines.append(f"| {what} | — | — | — | {f'≤ {target}×' if target else '—'} | not measured: {failure} |")
            continue
        if there and "10 MiB" in what and "ssh" in what:
            write_here = here["median"]
        ratio = there["median"] / here["median"]
        met = "—" if target is None else "yes" if ratio <= target else "**no**"
        lines.append(f"| {what} | {cell(here)} | {cell(there)} | {ratio:.2f} | {f'≤ {target}×' if target else '—'} | {met} |")
    if ssh_floor is not None and write_here:
        lines += ["", f"ssh's own floor: 10 MiB through `ssh HOST 'cat > /dev/null'` over an open master connection costs "
                      f"{ms(ssh_floor)} more than nothing does (median), {ssh_floor / write_here:.2f}× the whole 10 MiB write on the unix "
                      f"socket, so no client of `ssh … docker system dial-stdio` can write 10 MiB within "
                      f"{1 + ssh_floor / write_here:.2f}× of the unix socket on this machine."]
    return lines


def ms(seconds):
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def limit(seconds):
    """A target in seconds as people write it: 5 ms, 0.6 s."""
    return f"{seconds * 1000:g} ms" if seconds < 0.1 else f"{seconds:g} s"


def verdict(scenario, mine, peer_ratios):
    """(target text, met, the slowest time that meets it) for SandboxKit's median `mine`."""
    parts, met, wanted = [], True, []
    if scenario.absolute is not None:
        parts.append(f"≤ {limit(scenario.absolute)}")
        met &= mine <= scenario.absolute
        wanted.append(scenario.absolute)
    if scenario.ratio is not None:
        judged = peer_ratios if scenario.both else peer_ratios[:1]
        parts.append(f"≤ {scenario.ratio} of both" if scenario.both else f"≤ {scenario.ratio}")
        met &= all(ratio <= scenario.ratio for ratio in judged)
        wanted += [mine / ratio * scenario.ratio for ratio in judged]
    if scenario.key == "concurrent":
        parts.append("all correct")
    return (" and ".join(parts) or "—"), (None if not parts else met), min(wanted, default=None)


def wrong_note(client, key, runs):
    """For a peer whose concurrent commands did not all answer their own output: how many did not."""
    wrong = getattr(client, "wrong", collections.Counter())[key]
    return f", **{wrong} of {runs[key] * CONCURRENT} wrong**" if wrong else ""


def tail(values, ours, by_exec, bases, text, met):
    """A row's columns after the clients': the gain over the exec path, the ratio to each peer, the target, met."""
    mine, exec_path = values[ours.name], values[by_exec.name]
    gain = f"×{exec_path / mine:.1f}" if mine and exec_path else "—"
    ratios = [f"{mine / base:.2f}" if mine and base else "—" for base in bases]
    return " | ".join([gain, *ratios, text, "—" if met is None else "yes" if met else "**no**"]) + " |"


def report(args, clients, ours, by_exec, peers, results, runs, floors, tui, runner_kib, took):
    def median(key, client):
        found = results.get((key, client.name))
        return found[0]["median"] if found else None

    rows, missed = [], []
    for scenario in SCENARIOS:
        values = {c.name: median(scenario.key, c) for c in clients}
        bases = [median(scenario.base or scenario.key, p) for p in peers]
        mine = values[ours.name]
        text, met, wanted = verdict(scenario, mine, [mine / base for base in bases if base])
        cells = {c.name: results.get((scenario.key, c.name), (None,))[0] for c in clients}
        rows.append(f"| {scenario.what} | " + " | ".join(cell(cells[c.name]) + wrong_note(c, scenario.key, runs) for c in clients) + " | "
                    + tail(values, ours, by_exec, bases, text, met))
        if met is False:
            missed.append((scenario, mine, wanted, text))
    rss = {c.name: results.get(("output", c.name), (None, None))[1] for c in clients}
    bases = [rss[p.name] for p in peers]
    rss_met = rss[ours.name] <= RSS_TARGET_KIB
    rows.append("| peak RSS while printing 100 MiB | " + " | ".join(f"{rss[c.name] / 1024:.0f} MiB" if rss[c.name] else "—" for c in clients)
                + " | " + tail(rss, ours, by_exec, bases, "≤ 64 MiB", rss_met))
    if not rss_met:
        missed.append((None, rss[ours.name], RSS_TARGET_KIB, "≤ 64 MiB"))

    names = [c.name for c in clients]
    peer_names = [p.name for p in peers]
    versions = [name.rsplit(" ", 1)[1] for name in peer_names]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench{' BENCH_FLAGS=--quick' if args.quick else ''}` on {now}: {machine(args.image)}.",
        "",
        "Every client does the same work on the same daemon and image, in one run, the clients taking turns",
        f"in {'one round' if args.quick else f'up to {ROUNDS} rounds'} so that drift in the machine's load falls on all of them. Each cell is the median and,",
        "in brackets, the fastest and slowest run. The gain is SandboxKit's exec-path median over its runner median; a",
        "ratio is SandboxKit's (runner) median over that pydantic-ai-backend's. SandboxKit and pydantic-ai-backend run in their",
        "own processes (`sandbox-bench`, `scripts/bench/pydantic_peer.py`); the docker CLI and curl columns start one process",
        "per operation. SandboxKit's containers are hardened (capabilities dropped, pids and memory limits, Docker's init);",
        "the docker CLI and curl run Docker's init and its defaults otherwise.",
        "",
        "| | " + " | ".join(names) + " | gain over the exec path | " + " | ".join(f"ratio to {v}" for v in versions) + " | target | met |",
        "|---" * (len(names) + len(versions) + 4) + "|",
        *rows,
        "",
        f"Runs: {', '.join(f'{key} {count}' for key, count in runs.items())}. The 100 MiB command is `{BIG_OUTPUT}`;",
        "SandboxKit and pydantic-ai-backend keep its first 100,000 characters; the docker CLI and curl throw it away.",
        "Peak RSS is the client process's own (for the docker CLI, the `docker exec` process). Targets are those of issue 12:",
        f"ratios to {peer_names[0]}, the warm `true` to every peer.",
        "",
        "## The daemon's floor",
        "",
        f"What the daemon itself takes here: curl's figures less what a curl request costs by itself (`GET /_ping`: {ms(floors['request'])}).",
        "",
        f"- **A container's create and start**: {ms(floors['create_start'])}. Every cold figure includes it, by either path;",
        "  the pool takes it off the figure, the runner does not change it.",
        f"- **One `docker exec`** (create, start, inspect) of `true`: {ms(floors['exec'])}, runc starting a process in the container.",
        "  The exec path pays it for every command (its warm `true`, and each of the 50 concurrent commands); the runner",
        "  path pays it once per sandbox, for the session, which a pooled sandbox has opened before it is taken.",
        f"- **A 10 MiB `PUT /archive`**: {ms(floors['put'])} (the daemon unpacks it through a re-exec of itself); **`GET /archive`**:",
        f"  {ms(floors['get'])}. The exec path's write and read; through the runner a file is one request on the session,",
        f"  whose bytes the daemon relays: 10 MiB into an exec's stdin take it {ms(floors['relay_in'])}, out of its stdout",
        f"  {ms(floors['relay_out'])} (`docker exec` of `cat`, less one of `true`).",
        f"- **Producing the 100 MiB** inside the container (to /dev/null, by `docker exec`): {ms(floors['produce'])}: the floor of that",
        "  figure for every client. By exec the whole output then crosses the daemon; the runner keeps the first 100,000",
        "  characters and counts the rest in the container.",
        f"- **Removing a container** (`DELETE ?force=true`): {ms(floors['remove'])}, the floor of `stop()`.",
    ]
    if missed:
        lines += ["", "## Targets missed", "", *missed_notes(missed, floors)]
    lines += [
        "",
        "## The console",
        "",
        f"`sandbox console` in tmux (120×40) with {tui['count']} sandboxes listed:",
        "",
        "| | measured | target |",
        "|---|---|---|",
        f"| start to the first full frame (list filled, daemon connected) | {tui['first_frame'] * 1000:.0f} ms | |",
        f"| keypress to screen (`?` opens and closes the key help; through tmux send-keys/capture-pane) | {cell(tui['keypress'])} | |",
        "",
        "Keypress latency includes tmux's own round trip (one `send-keys` and repeated `capture-pane` calls).",
        "",
        "## About this run",
        "",
        f"SandboxKit (runner) is `sandbox-bench` with `sandbox-runner` ({runner_kib} KiB, static) beside it. A sandbox's container",
        "is created with the runner bind-mounted read-only (the daemon is on this machine) as its command, and a session to",
        "`sandbox-runner serve` opens over one attached exec as the container starts; every command and file is then a frame",
        "on that connection. SandboxKit (exec path) is the same binary with `SANDBOX_RUNNER=off`: each command a `docker exec`",
        "(create, start, inspect), each file a `PUT` or `GET /archive`. Every run checks that each sandbox of a column used the",
        "path the column names. The pooled figure takes a started sandbox from `SandboxPool(size: 1)`, its runner session",
        "already open, and runs the script; the pool refills between runs, outside the timing. The other clients have no",
        "pool (—): that row's ratios are to their cold figure.",
        "",
        f"The {CONCURRENT} concurrent commands are {CONCURRENT} tasks on one `DockerSandbox` for SandboxKit. pydantic-ai-backend has no",
        f"concurrent API: its column is {CONCURRENT} threads each calling `execute` on one sandbox. The docker CLI runs {CONCURRENT} `docker exec`",
        f"processes at once, curl {CONCURRENT} threads each making the exec's three requests.",
    ]
    failed = [p for p in peers if p.wrong["concurrent"]]
    if failed:
        lines += ["", "Concurrent commands a peer answered wrongly are counted beside its time (docker-py under many threads): "
                  + "; ".join(f"{p.name}, e.g. `{p.wrong_example['concurrent'][:160]}`" for p in failed) + "."]
    if any(not v.startswith("0.1.") for v in versions):
        lines += [
            "",
            "pydantic-ai-backend 0.2 starts its containers with Docker's init, a pids limit and no-new-privileges, so its `stop()`",
            "does not wait out the 10 s grace period that 0.1.14's `sleep` as PID 1 does. It writes a file after an exec of",
            "`mkdir -p`, and refuses to read a file over `max_read_bytes` (8 MiB by default), which the peer raises to 16 MiB",
            "for the 10 MiB read.",
        ]
    lines += ["", f"The run took {took / 60:.0f} minutes."
              + (" It was a quick run (`--quick`: few runs, a short console test), for checking the generator: its figures are"
                 " not for comparing." if args.quick else "")]
    return lines


def missed_notes(missed, floors):
    """For each missed target, how far off it is and what the daemon's own time leaves to gain."""
    why = {
        "exec": "No daemon request is made per command on the runner path: this is one round trip on the session and the "
                "runner starting `sh -c` in the container.",
        "pooled": "The pooled sandbox is started and its session open before it is taken: what is left is handing it over "
                  "and Python starting in the container.",
        "cold": f"A container's create and start alone take the daemon {ms(floors['create_start'])}.",
        "write": "Through the runner the 10 MiB cross the session's attached stream, not a `PUT /archive` "
                 f"({ms(floors['put'])}); the daemon's relay of 10 MiB into an exec's stdin takes {ms(floors['relay_in'])} by itself.",
        "output": f"Producing the 100 MiB in the container takes {ms(floors['produce'])} by itself.",
        "concurrent": f"Each command is one request on the session; by exec each would cost the daemon {ms(floors['exec'])}.",
        "stop": f"Removing a container takes the daemon {ms(floors['remove'])}.",
    }
    notes = []
    for scenario, mine, wanted, text in missed:
        if scenario is None:
            notes.append(f"- **peak RSS while printing 100 MiB**: {mine / 1024:.0f} MiB, target {text}.")
            continue
        notes.append(f"- **{scenario.what}**: {ms(mine)}, target {text} (i.e. {ms(wanted)}). {why[scenario.key]}")
    return notes


if __name__ == "__main__":
    main()
