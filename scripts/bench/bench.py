#!/usr/bin/env python3
"""`make bench`: SandboxKit against the docker CLI, pydantic-ai-backend 0.1.14 and the raw API (curl on
the socket), on the same daemon and image in one run; then the console's own figures through tmux.
Prints a table and writes BENCHMARKS.md."""
import argparse
import datetime
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = "python3 -c 'print(sum(range(10)))'"
BIG_OUTPUT = ("yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxy"
              " | head -c 104857600")
CONTENT = bytes((i * 2654435761 >> 13) & 0xFF for i in range(10 * 1024 * 1024))
LABEL = "sandbox.bench=true"

SCENARIOS = [  # key, what, runs, target ratio to pydantic-ai-backend (None: no target)
    ("cold", "new sandbox → first output of a Python script", 7, 0.75),
    ("pooled", "the same, from the warm pool (ratio to pydantic's cold figure)", 7, 0.10),
    ("exec", "warm execute(\"true\")", 50, 1.0),
    ("write", "write a 10 MiB file", 7, 0.5),
    ("read", "read the 10 MiB file back", 7, None),
    ("output", "a command printing 100 MiB", 7, 0.5),
    ("stop", "stop()", 5, 0.05),
]
RSS_TARGET_KIB = 64 * 1024
ROUNDS = 7


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
            if scenario == "exec":
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
    """A client measured in its own process: sandbox-bench (ours) or the pydantic-ai-backend peer."""

    def __init__(self, name, command, image):
        self.name, self.command, self.image = name, command, image

    def run(self, scenario, runs):
        result = subprocess.run(self.command + [scenario, self.image, str(runs)], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"bench: {self.name} {scenario} failed: {result.stderr.strip()}")
        data = json.loads(result.stdout)
        return data["samples"], data["maxrss_kib"] if scenario == "output" else None


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


def tui_figures(sandbox_bin, image, count=50, idle_seconds=30):
    """Idle CPU with `count` sandboxes listed, time to the first full frame, keypress latency."""
    names = [f"bench-tui-{i:02d}" for i in range(count)]
    env = dict(os.environ, SANDBOX_DEFAULT_IMAGE=image)
    for name in names:
        subprocess.run([sandbox_bin, "new", "--image", image, "--name", name], check=True, capture_output=True, env=env)
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
        start = time.perf_counter()
        subprocess.run(["tmux", "-u", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8",
                        "-e", "TERM=xterm-256color", "-e", f"SANDBOX_DEFAULT_IMAGE={image}", sandbox_bin, "console"], check=True)
        first_frame = wait(lambda s: f"Sandboxes ({count})" in s and "connected" in s) - start
        pid = int(subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"], capture_output=True, text=True).stdout.split()[0])
        time.sleep(2)  # let the start-up settle

        def cpu_ticks():
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        before, started = cpu_ticks(), time.perf_counter()
        time.sleep(idle_seconds)
        idle = (cpu_ticks() - before) / os.sysconf("SC_CLK_TCK") / (time.perf_counter() - started) * 100

        latencies = []
        for _ in range(20):
            sent = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", session, "?"], check=True)
            latencies.append(wait(lambda s: "Keys - any key closes" in s) - sent)
            sent = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", session, "?"], check=True)
            latencies.append(wait(lambda s: "Keys - any key closes" not in s) - sent)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        return {"first_frame": first_frame, "idle_cpu_percent": idle, "keypress": summary(latencies), "count": count,
                "idle_seconds": idle_seconds}
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        subprocess.run([sandbox_bin, "rm", *names], capture_output=True, env=env)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--image", required=True)
    parser.add_argument("--ours", required=True, help="the release sandbox-bench")
    parser.add_argument("--sandbox", required=True, help="the release sandbox binary (for the console figures)")
    parser.add_argument("--pydantic-python", required=True, help="python of a venv with pydantic-ai-backend 0.1.14")
    parser.add_argument("--output", default="BENCHMARKS.md")
    args = parser.parse_args()

    ours = Process("SandboxKit", [args.ours], args.image)
    pydantic = Process("pydantic-ai-backend 0.1.14", [args.pydantic_python, os.path.join(HERE, "pydantic_peer.py")], args.image)
    curl = Curl(args.image)
    clients = [ours, DockerCLI(args.image), pydantic, curl]
    # The clients take turns, a few runs each per round, so that the machine's drift over the
    # run (this is a shared 2-core VM) falls on all of them alike.
    results = {}
    for key, what, runs, _ in SCENARIOS:
        rounds = min(runs, ROUNDS)
        taking = [c for c in clients if key != "pooled" or c is ours]
        samples = {c.name: [] for c in taking}
        rss = {c.name: None for c in taking}
        for turn in range(rounds):
            count = runs // rounds + (1 if turn < runs % rounds else 0)
            print(f"  {key:7} round {turn + 1}/{rounds} …", file=sys.stderr, flush=True)
            for client in taking:
                got, peak = client.run(key, count)
                samples[client.name] += got
                rss[client.name] = max(rss[client.name] or 0, peak) if peak else rss[client.name]
        for client in taking:
            results[(key, client.name)] = (summary(samples[client.name]), rss[client.name])

    request_cost = curl.request_cost()
    produce = DockerCLI(args.image).produce_cost()
    print("  console figures …", file=sys.stderr, flush=True)
    tui = tui_figures(args.sandbox, args.image)

    rows, verdicts = [], []
    for key, what, runs, target in SCENARIOS:
        base = results.get(("cold" if key == "pooled" else key, pydantic.name))
        mine = results[(key, ours.name)]
        ratio = mine[0]["median"] / base[0]["median"]
        met = "—" if target is None else ("yes" if ratio <= target else "**no**")
        rows.append(f"| {what} | " + " | ".join(cell(results.get((key, c.name), (None,))[0]) for c in clients)
                    + f" | {ratio:.2f} | {'—' if target is None else f'≤ {target}'} | {met} |")
        verdicts.append((key, ratio, target))
    rss = {c.name: results[("output", c.name)][1] for c in clients}
    rss_row = "| peak RSS while printing 100 MiB | " + " | ".join(
        f"{rss[c.name] / 1024:.0f} MiB" if rss[c.name] else "—" for c in clients)
    rss_ratio = rss[ours.name] / rss[pydantic.name]
    rss_row += f" | {rss_ratio:.2f} | ≤ 64 MiB | {'yes' if rss[ours.name] <= RSS_TARGET_KIB else '**no**'} |"

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {now}: {machine(args.image)}.",
        "",
        "Every client does the same work on the same daemon and image, in one run, the clients taking turns",
        f"in up to {ROUNDS} rounds so that drift in the machine's load falls on all of them. Each cell is the median and,",
        "in brackets, the fastest and slowest run; the ratio is SandboxKit's median over pydantic-ai-backend's.",
        "SandboxKit and pydantic-ai-backend run in their own processes (`sandbox-bench`, `scripts/bench/pydantic_peer.py`);",
        "the docker CLI and curl columns start one process per operation. SandboxKit's containers are hardened",
        "(capabilities dropped, pids and memory limits, Docker's init); the others use Docker's defaults.",
        "",
        "| | SandboxKit | docker CLI | pydantic-ai-backend 0.1.14 | curl (raw API) | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        rss_row,
        "",
        f"Runs: {', '.join(f'{key} {runs}' for key, _, runs, _ in SCENARIOS)}. The 100 MiB command is `{BIG_OUTPUT}`;",
        "SandboxKit and pydantic-ai-backend keep its first 100,000 characters; the docker CLI and curl throw it away.",
        "Peak RSS is the client process's own (for the docker CLI, the `docker exec` process).",
        "",
        "## The console",
        "",
        f"`sandbox console` in tmux (120×40) with {tui['count']} sandboxes listed:",
        "",
        "| | measured | target |",
        "|---|---|---|",
        f"| CPU while idle over {tui['idle_seconds']} s | {tui['idle_cpu_percent']:.2f} % of a core | < 0.5 % |",
        f"| start to the first full frame (list filled, daemon connected) | {tui['first_frame'] * 1000:.0f} ms | |",
        f"| keypress to screen (`?` opens and closes the key help; through tmux send-keys/capture-pane) | {cell(tui['keypress'])} | |",
        "",
        "Keypress latency includes tmux's own round trip (one `send-keys` and repeated `capture-pane` calls).",
    ]
    notes = notes_for(verdicts, results, clients, ours, pydantic, curl, request_cost, produce)
    if notes:
        lines += ["", "## Targets missed, and why", "", *notes]
    with open(args.output, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def notes_for(verdicts, results, clients, ours, pydantic, curl, request_cost, produce):
    """For each missed target, the daemon's own floor: curl's time less what its requests cost by
    themselves, or for the output, what producing it in the container takes."""
    def median(key, client):
        return results[(key, client.name)][0]["median"]

    def ms(seconds):
        return f"{seconds * 1000:.0f} ms"

    floors = {  # scenario: (curl requests in it, what they are)
        "cold": (5, "create, start, exec create, exec start, exec inspect"),
        "write": (1, "one `PUT /archive`, which the daemon unpacks through a re-exec of itself"),
    }
    notes = [f"A `GET /_ping` with curl takes {ms(request_cost)}: that is what one curl request costs by itself."]
    for key, ratio, target in verdicts:
        if target is None or ratio <= target:
            continue
        wanted = target * median("cold" if key == "pooled" else key, pydantic)
        if key == "pooled":
            floor = median("exec", curl) - 3 * request_cost
            notes.append(f"- **pooled** ({ratio:.2f}, target {target}, i.e. {ms(wanted)}): from the pool the first output still needs "
                         f"one exec of Python. An exec of `true` alone costs the daemon about {ms(floor)} (curl's exec less "
                         f"its three requests' own cost): runc starting a process in the container. The pool removes the "
                         f"container start (SandboxKit cold {ms(median('cold', ours))} → {ms(median('pooled', ours))}), not the exec.")
        elif key in floors:
            requests, what = floors[key]
            floor = median(key, curl) - requests * request_cost
            verdict = ("The target is below what the daemon itself takes here." if wanted < floor <= median(key, ours) else
                       "SandboxKit is at or under that figure already, so what is left is mostly the daemon's own time.")
            notes.append(f"- **{key}** ({ratio:.2f}, target {target}, i.e. {ms(wanted)}): SandboxKit took {ms(median(key, ours))}; the raw "
                         f"API with curl took {ms(median(key, curl))} ({what}), about {ms(floor)} without curl's own cost. {verdict}")
        elif key == "output":
            others = min(median(key, c) for c in (curl, pydantic) + tuple(c for c in clients if c.name == "docker CLI"))
            notes.append(f"- **output** ({ratio:.2f}, target {target}, i.e. {ms(wanted)}): SandboxKit took {ms(median(key, ours))}, the "
                         f"fastest other client {ms(others)}. The same command writing to /dev/null inside the container takes "
                         f"{ms(produce)} through `docker exec`: the rest is the relay of 100 MiB through the daemon "
                         "and its reading by the client.")
        else:
            notes.append(f"- **{key}**: {ratio:.2f} against a target of {target}.")
    return notes if len(notes) > 1 else []


if __name__ == "__main__":
    main()
