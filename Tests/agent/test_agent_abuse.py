"""An agent that sends everything wrong: bad types, numbers out of range, hostile strings and paths.
The server answers each call with a result (an error where the input is wrong) and keeps answering;
and however the client goes away, the sandbox the server made goes with it."""
import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid

import pytest

from conftest import BINARY, IMAGE
from test_mcp_tools import Connection

pytestmark = pytest.mark.anyio
MIB = "x" * (1 << 20)

BAD_NUMBERS = [-1, 1e300, -1e300, 1.5, 1e19, 2**63, -(2**63) - 1, "NaN", "Infinity", "-inf", "12", "", True, [], {"n": 1}]
BAD_TYPES = [1, 1.5, True, [], {"a": "b"}, ["x"]]
HOSTILE_PATHS = ["", ".", "..", "../../../../etc/passwd", "/", "a\0b", "line\nbreak", "tab\there", " ", "-rf",
                 "$(touch /tmp/pwned)", "`id`", "'quote", "\"dq", "*", "\\", "é/ü", "a" * 5000, MIB]


@pytest.fixture
def anyio_backend():
    return "asyncio"


class DockerAPI(http.client.HTTPConnection):
    """The Docker Engine API over its unix socket, to see what the server left behind."""

    def __init__(self):
        super().__init__("localhost")

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://"))

    @classmethod
    def containers(cls, *labels):
        filters = urllib.parse.quote(json.dumps({"label": list(labels)}))
        api = cls()
        try:
            api.request("GET", f"/containers/json?all=true&filters={filters}")
            return json.loads(api.getresponse().read())
        finally:
            api.close()


def abuse_cases():
    """(tool, arguments, what a right answer contains or None when any answer will do)."""
    for key, tool, base in [("offset", "read_file", {"path": "f.txt"}), ("limit", "read_file", {"path": "f.txt"}),
                            ("timeout", "execute", {"command": "true"})]:
        for value in BAD_NUMBERS:
            if not (key == "timeout" and value == 1.5):  # seconds need not be whole
                yield tool, {**base, key: value}, f"argument '{key}'"
    for value in [0, 100_001]:
        yield "read_file", {"path": "f.txt", "limit": value}, "argument 'limit'"
    for value in [0, 86_401]:
        yield "execute", {"command": "true", "timeout": value}, "argument 'timeout'"
    yield "read_file", {"path": "f.txt", "offset": 2**62, "limit": 100_000}, "past the end"
    yield "read_file", {"path": "f.txt", "offset": 1, "limit": 1}, None
    for tool, key, base in [("ls", "path", {}), ("read_file", "path", {}), ("write_file", "path", {"content": "x"}),
                            ("write_file", "content", {"path": "w.txt"}), ("edit_file", "old_string", {"path": "f.txt", "new_string": "b"}),
                            ("edit_file", "replace_all", {"path": "f.txt", "old_string": "a", "new_string": "b"}),
                            ("glob", "pattern", {}), ("grep", "pattern", {}), ("grep", "glob", {"pattern": "a"}),
                            ("execute", "command", {})]:
        for value in BAD_TYPES if key != "replace_all" else ["true", 1, 0, "yes", 1.5]:
            yield tool, {**base, key: value}, f"argument '{key}'"
    for tool, base in [("ls", {}), ("read_file", {}), ("write_file", {"content": "x"}), ("glob", {"pattern": "*"}),
                       ("grep", {"pattern": "a"}), ("edit_file", {"old_string": "a", "new_string": "b"})]:
        for path in HOSTILE_PATHS:
            want = "NUL" if "\0" in path else "paths are at most" if len(path) > 4096 else None
            yield tool, {**base, "path": path}, want
    for tool, key in [("glob", "pattern"), ("grep", "pattern"), ("execute", "command")]:
        for text in ["", "\0", "(", "[", "a\nb", MIB]:
            yield tool, {key: text}, None
    yield "write_file", {"path": "big.txt", "content": MIB}, "Wrote 1048576 bytes"
    yield "edit_file", {"path": "f.txt", "old_string": "", "new_string": "x"}, None
    yield "edit_file", {"path": "f.txt", "old_string": "alpha", "new_string": MIB}, "Replaced 1"
    yield "read_file", {"path": "f.txt", "offest": 3}, "unknown argument 'offest'"
    yield "read_file", {}, "missing argument 'path'"
    yield "no_such_tool", {}, "unknown tool"


async def test_bad_calls_get_answers_and_the_server_keeps_answering(server_env):
    cases = list(abuse_cases())
    async with Connection(server_env) as c:
        assert not (await c.call("write_file", path="f.txt", content="alpha\nbeta\n"))[1]
        for number, (tool, arguments, want) in enumerate(cases):
            result = await c.session.call_tool(tool, arguments)
            text = result.content[0].text
            if want is not None:
                assert want in text, (tool, {k: str(v)[:40] for k, v in arguments.items()}, text[:300])
            # The server still answers; now and then, check the sandbox still works too (an exec costs ~70 ms).
            assert len((await c.session.list_tools()).tools) == 10
            if number % 10 == 0 or number == len(cases) - 1:
                text, error, _ = await c.call("execute", command="echo alive")
                assert not error and text.startswith("alive"), (tool, arguments.keys(), text[:300])
        text, error, _ = await c.call("execute", command="ls /tmp/pwned 2>&1; echo done")
        assert "No such file" in text, "a path was run as a shell command"
    print(f"{len(cases)} bad calls answered")


class RawServer:
    """`sandbox mcp` spoken to line by line, so a test can close its pipes or signal it."""

    def __init__(self, env):
        self.client = f"abuse-{uuid.uuid4().hex[:12]}"
        self.process = subprocess.Popen([BINARY, "mcp", "--image", IMAGE], env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                    "clientInfo": {"name": self.client, "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message):
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.answer(self.next_id)

    def answer(self, wanted):
        while True:
            line = self.process.stdout.readline()
            assert line, "the server closed its output"
            message = json.loads(line)
            if message.get("id") == wanted:
                return message

    def containers(self):
        return DockerAPI.containers("sandbox.created-by=agent", f"sandbox.client={self.client}")

    def start_sandbox(self):
        reply = self.request("tools/call", {"name": "execute", "arguments": {"command": "echo started"}})
        assert reply["result"]["content"][0]["text"].startswith("started"), reply
        made = self.containers()
        assert len(made) == 1, made
        return made[0]["Names"][0].lstrip("/")

    def wait(self):
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def close_stdin(server):
    server.process.stdin.close()


def close_stdout(server):
    """The client stops reading: our next reply meets a closed pipe (EPIPE, SIGPIPE ignored)."""
    server.process.stdout.close()
    server.send({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": "ls", "arguments": {}}})


def signal_with(number):
    return lambda server: server.process.send_signal(number)


@pytest.mark.parametrize("route", [close_stdin, close_stdout, signal_with(signal.SIGTERM), signal_with(signal.SIGINT),
                                   signal_with(signal.SIGHUP)],
                         ids=["stdin-eof", "sigpipe", "sigterm", "sigint", "sighup"])
def test_no_sandbox_outlives_the_client(server_env, route):
    server = RawServer(server_env)
    try:
        name = server.start_sandbox()
        route(server)
        status = server.wait()
        assert server.containers() == [], f"{name} left behind (exit status {status})"
        assert status in (0, -signal.SIGTERM, -signal.SIGINT, -signal.SIGHUP), status
    finally:
        if server.process.poll() is None:
            server.process.kill()
        for container in server.containers():
            subprocess.run(["docker", "rm", "-f", container["Id"]], capture_output=True)


def test_a_signal_while_the_sandbox_starts_removes_it_too(server_env):
    server = RawServer(server_env)
    try:
        server.send({"jsonrpc": "2.0", "id": 50, "method": "tools/call", "params": {"name": "execute", "arguments": {"command": "true"}}})
        deadline = time.monotonic() + 20
        while not server.containers():  # created, perhaps not yet started
            assert time.monotonic() < deadline, "no sandbox was created"
            time.sleep(0.02)
        server.process.send_signal(signal.SIGTERM)
        server.wait()
        assert server.containers() == []
    finally:
        if server.process.poll() is None:
            server.process.kill()


def test_json_the_sdk_cannot_read_does_not_stop_the_server(server_env):
    server = RawServer(server_env)
    try:
        for line in [b"{", b"NaN", b'{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "read_file", '
                     b'"arguments": {"path": "f", "offset": NaN}}}', b'{"jsonrpc": "2.0", "id": 8, "method": "tools/call", '
                     b'"params": {"name": "read_file", "arguments": {"path": "f", "offset": 1e400}}}', b"\xff\xfe", b"[]"]:
            server.process.stdin.write(line + b"\n")
        reply = server.request("tools/call", {"name": "read_file", "arguments": {"path": "f", "offset": -0.0}})
        assert reply["result"]["isError"] is True and "no such file" in reply["result"]["content"][0]["text"], reply
        assert server.process.poll() is None
    finally:
        server.process.stdin.close()
        server.wait()
        assert server.containers() == []
