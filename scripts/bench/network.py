"""`make bench`'s network policy rows: what an allow-list costs, beside the default isolation, in the same rounds.

The server is a test host of the bench's own: a network namespace routed from the host as the internet would be,
holding 198.51.100.7 (a documentation address) with an HTTP server on port 80. Needs root (ip netns, nft)."""
import os
import subprocess
import sys
import tempfile

NAMESPACE = "sbxbench-remote"
ADDRESS = "198.51.100.7"
SERVER = """
import http.server, socketserver, time
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
    def do_GET(self):
        if self.path == '/slow': time.sleep(0.01)
        body = b'ok' * 512
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(('0.0.0.0', 80), Quiet).serve_forever()
"""
# (what, scenario, baseline scenario, target ratio to the baseline)
ROWS = [
    ("an HTTP fetch from inside, allowed by name through the egress proxy (median of 20 per run) vs. the same by address, isolated",
     "fetch-policy", "fetch-open", 1.1),
    ("the same of a page the server answers in 10 ms (a server on a network, not on loopback)", "fetch-policy-slow", "fetch-open-slow", 1.1),
    ("warm `execute(\"true\")` in an allow-list sandbox vs. an isolated one", "exec-policy", "exec", None),
    ("a policy change (`allow`) until the kernel has it", "policy-change", None, 0.1),
]


class TestHost:
    def __enter__(self):
        self.close()
        self.script = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
        self.script.write(SERVER)
        self.script.close()
        setup = f"""
        set -e
        ip netns add {NAMESPACE}
        ip link add sbxb-h type veth peer name sbxb-r
        ip link set sbxb-r netns {NAMESPACE}
        ip addr add 203.0.113.5/30 dev sbxb-h && ip link set sbxb-h up
        ip netns exec {NAMESPACE} sh -c 'ip addr add 203.0.113.6/30 dev sbxb-r && ip link set sbxb-r up && ip link set lo up \
          && ip addr add {ADDRESS}/32 dev lo && ip route add default via 203.0.113.5'
        ip route add {ADDRESS}/32 via 203.0.113.6
        ip netns exec {NAMESPACE} python3 {self.script.name} >/dev/null 2>&1 &
        for i in $(seq 50); do ip netns exec {NAMESPACE} python3 -c "import socket; socket.create_connection(('127.0.0.1', 80), 1)" 2>/dev/null && exit 0; sleep 0.1; done
        exit 1
        """
        subprocess.run(["bash", "-c", setup], check=True)
        return self

    def __exit__(self, *exc):
        self.close()
        if getattr(self, "script", None):
            os.unlink(self.script.name)

    @staticmethod
    def close():
        subprocess.run(["bash", "-c", f"ip netns pids {NAMESPACE} 2>/dev/null | xargs -r kill -9; ip route del {ADDRESS}/32 2>/dev/null; "
                        f"ip link del sbxb-h 2>/dev/null; ip netns del {NAMESPACE} 2>/dev/null; true"])


def figures(ours, runs, rounds, summary):
    """{scenario: summary} for every scenario the rows name, taking turns in each round; or {"failure": why}."""
    if os.geteuid() != 0:
        return {"failure": "needs root (a test host in a network namespace, and the host's firewall)"}
    scenarios = sorted({s for _, s, base, _ in ROWS} | {base for _, _, base, _ in ROWS if base})
    samples = {s: [] for s in scenarios}
    try:
        with TestHost():
            for turn in range(rounds):
                print(f"  network round {turn + 1}/{rounds} …", file=sys.stderr, flush=True)
                for scenario in scenarios:
                    count = runs // rounds + (1 if turn < runs % rounds else 0)
                    samples[scenario] += ours.run(scenario, count)[0]
    except (subprocess.CalledProcessError, SystemExit) as failed:
        return {"failure": str(failed)}
    return {s: summary(v) for s, v in samples.items()}


def section(found, cell):
    lines = ["", "## Network policy", "",
             "SandboxKit (runner), each row beside its baseline in the same rounds. The server is the bench's own test host in a",
             "network namespace (198.51.100.7, routed from the host as the internet would be). An allow-list's port 80 goes",
             "through the egress guard's proxy (`sandbox netd`), which reads the Host before it connects; an isolated sandbox",
             "reaches the address directly.", ""]
    if "failure" in found:
        return lines + [f"Not measured: {found['failure']}."]
    lines += ["| | with the policy | baseline | ratio | target | met |", "|---|---|---|---|---|---|"]
    for what, scenario, base, target in ROWS:
        mine = found[scenario]
        if base:
            ratio = mine["median"] / found[base]["median"]
            met = "—" if target is None else "yes" if ratio <= target else "**no**"
            lines.append(f"| {what} | {cell(mine)} | {cell(found[base])} | {ratio:.2f} | {f'≤ {target}×' if target else 'unchanged'} | {met} |")
        else:
            met = "yes" if mine["median"] <= target else "**no**"
            lines.append(f"| {what} | {cell(mine)} | — | — | ≤ {target * 1000:.0f} ms | {met} |")
    return lines
