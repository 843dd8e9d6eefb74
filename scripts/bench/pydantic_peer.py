"""The scenarios of sandbox-bench, run with pydantic-ai-backend's DockerSandbox (the library SandboxKit
mirrors). Usage: pydantic_peer.py SCENARIO IMAGE RUNS; prints {"samples": [...], "maxrss_kib": N}."""
import json
import sys
import time

from pydantic_ai_backends import DockerSandbox

SCRIPT = "python3 -c 'print(sum(range(10)))'"
BIG_OUTPUT = ("yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxy"
              " | head -c 104857600")


def discard(sandbox):
    """Removes a container at once; stop() would wait out Docker's 10 s grace period."""
    if sandbox._container is not None:
        sandbox._container.remove(force=True)
        sandbox._container = None


def warm(image):
    sandbox = DockerSandbox(image=image)
    sandbox.start()
    sandbox.execute("true")
    return sandbox


def check(condition, message):
    if not condition:
        sys.exit(f"pydantic_peer: {message}")


def main(scenario, image, runs):
    samples = []
    content = bytes((i * 2654435761 >> 13) & 0xFF for i in range(10 * 1024 * 1024))
    if scenario == "cold":
        for _ in range(runs):
            start = time.perf_counter()
            sandbox = DockerSandbox(image=image)
            result = sandbox.execute(SCRIPT)
            samples.append(time.perf_counter() - start)
            check(result.output == "45\n", f"cold output {result.output!r}")
            discard(sandbox)
    elif scenario == "exec":
        sandbox = warm(image)
        for _ in range(5):
            sandbox.execute("true")
        for _ in range(runs):
            start = time.perf_counter()
            result = sandbox.execute("true")
            samples.append(time.perf_counter() - start)
            check(result.exit_code == 0, f"exit code {result.exit_code}")
        discard(sandbox)
    elif scenario in ("write", "read"):
        sandbox = warm(image)
        for run in range(runs):
            path = f"/workspace/blob-{run}.bin"
            start = time.perf_counter()
            written = sandbox.write(path, content)
            middle = time.perf_counter()
            back = sandbox._read_bytes(path)
            end = time.perf_counter()
            check(written.error is None and back == content, f"read back {len(back)} bytes, differing")
            samples.append(middle - start if scenario == "write" else end - middle)
        discard(sandbox)
    elif scenario == "output":
        sandbox = warm(image)
        for _ in range(runs):
            start = time.perf_counter()
            result = sandbox.execute(BIG_OUTPUT)
            samples.append(time.perf_counter() - start)
            check(result.truncated and len(result.output) == 100_000, "output not truncated as expected")
        discard(sandbox)
    elif scenario == "stop":
        for _ in range(runs):
            sandbox = warm(image)
            start = time.perf_counter()
            sandbox.stop()
            samples.append(time.perf_counter() - start)
            check(not sandbox.is_alive(), "still alive after stop")
    else:
        sys.exit(f"pydantic_peer: unknown scenario {scenario}")
    # VmHWM, not ru_maxrss: Linux carries the launching process's peak across fork and exec.
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"samples": samples, "maxrss_kib": peak}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
