"""The MCP server driven by the official MCP Python SDK over stdio."""
import json
import subprocess
import time

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import BINARY, IMAGE, sandboxes

pytestmark = pytest.mark.anyio
ALL_TOOLS = {"ls", "read_file", "write_file", "edit_file", "glob", "grep", "execute", "changes", "snapshot", "restore"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


class Connection:
    def __init__(self, env, *args):
        self.params = StdioServerParameters(command=BINARY, args=["mcp", "--image", IMAGE, *args], env=env)

    async def __aenter__(self):
        self._client = stdio_client(self.params)
        read, write = await self._client.__aenter__()
        self._session = ClientSession(read, write)
        self.session = await self._session.__aenter__()
        self.instructions = (await self.session.initialize()).instructions
        return self

    async def __aexit__(self, *exc):
        await self._session.__aexit__(*exc)
        await self._client.__aexit__(*exc)

    async def call(self, tool, **arguments):
        result = await self.session.call_tool(tool, arguments)
        return result.content[0].text, result.isError, result.structuredContent


async def test_tools_and_schemas(server_env):
    async with Connection(server_env) as c:
        tools = {t.name: t for t in (await c.session.list_tools()).tools}
        assert set(tools) == ALL_TOOLS
        for tool in tools.values():
            assert tool.description and len(tool.description) > 30
            assert tool.inputSchema["type"] == "object"
        assert tools["read_file"].inputSchema["required"] == ["path"]
        assert tools["read_file"].inputSchema["properties"]["offset"]["type"] == "integer"
        assert tools["read_file"].inputSchema["properties"]["limit"]["default"] == 2000
        assert set(tools["edit_file"].inputSchema["required"]) == {"path", "old_string", "new_string"}
        assert tools["edit_file"].inputSchema["properties"]["replace_all"]["type"] == "boolean"
        assert tools["execute"].inputSchema["properties"]["timeout"]["type"] == "number"
        assert tools["grep"].inputSchema["required"] == ["pattern"]
        assert tools["ls"].annotations.readOnlyHint is True


async def test_every_tool_against_the_python_image(server_env):
    async with Connection(server_env) as c:
        text, error, _ = await c.call("write_file", path="src/app.py", content="x = 1\ny = 1\nprint(x + y)\n")
        assert not error and text == "Wrote 25 bytes to src/app.py"

        text, error, _ = await c.call("read_file", path="src/app.py")
        assert not error and text == "     1\tx = 1\n     2\ty = 1\n     3\tprint(x + y)"

        await c.call("write_file", path="long.txt", content="".join(f"line {i}\n" for i in range(1, 31)))
        text, _, _ = await c.call("read_file", path="long.txt", offset=10, limit=5)
        assert text.startswith("    11\tline 11")
        assert text.endswith("[... 15 more lines. Use offset=15 to read more.]")

        text, error, _ = await c.call("edit_file", path="src/app.py", old_string="= 1", new_string="= 2")
        assert error and text == "String found 2 times. Use replaceAll to replace all, or provide more context."
        text, error, _ = await c.call("edit_file", path="src/app.py", old_string="= 1", new_string="= 2", replace_all=True)
        assert not error and text == "Replaced 2 occurrences in src/app.py"
        text, error, _ = await c.call("edit_file", path="src/app.py", old_string="nope", new_string="x")
        assert error and text.startswith("String not found in file")

        text, error, _ = await c.call("ls")
        assert not error and "src/" in text and "long.txt" in text

        text, _, _ = await c.call("glob", pattern="*.py")
        assert text == "/workspace/src/app.py"
        text, _, _ = await c.call("grep", pattern="print", glob="*.py")
        assert text == "/workspace/src/app.py:3: print(x + y)"
        text, _, _ = await c.call("grep", pattern="absent-pattern")
        assert text == "No matches."

        text, error, structured = await c.call("execute", command="python src/app.py; echo oops >&2; exit 3")
        assert not error
        # stdout and stderr are two pipes read side by side (by the daemon or the runner): their lines
        # keep their order within a stream, not across them (measured here: "oops" came first in 4 of
        # 100 runs, the cause of this test failing once in four).
        assert sorted(structured["output"].splitlines()) == ["4", "oops"], structured
        assert structured["exit_code"] == 3 and structured["truncated"] is False
        assert text.endswith("[exit code: 3]")

        # Killed by its 1 s timeout, not ended by itself: the call returns well before the sleep would
        # (a loud failure after 60 s, not a bound on how fast), and no sleep is left behind.
        with anyio.fail_after(60):
            text, error, structured = await c.call("execute", command="sleep 600", timeout=1)
        assert structured["exit_code"] == 124 and "killed after" in text
        text, _, _ = await c.call("execute", command="ps -eo args | grep -c '^sleep 600'")
        assert text.startswith("0\n"), text

        text, error, structured = await c.call("execute", command="python -c 'print(\"x\" * 150000)'")
        assert structured["truncated"] and len(structured["output"]) == 100_000

        text, error, _ = await c.call("read_file", path="/nowhere/file.txt")
        assert error and text == "/nowhere/file.txt: no such file or directory"
        text, error, _ = await c.call("read_file", path="src")
        assert error and "is a directory" in text
        text, error, _ = await c.call("read_file")
        assert error
        text, error, _ = await c.call("frobnicate")
        assert error and "unknown tool 'frobnicate'" in text


async def test_read_only_and_no_execute(server_env):
    async with Connection(server_env, "--read-only") as c:
        names = {t.name for t in (await c.session.list_tools()).tools}
        assert names == {"ls", "read_file", "glob", "grep", "changes"}
        text, error, _ = await c.call("write_file", path="x", content="y")
        assert error and "--read-only" in text
        text, error, _ = await c.call("ls", path="/")
        assert not error and "etc/" in text
    async with Connection(server_env, "--no-execute") as c:
        names = {t.name for t in (await c.session.list_tools()).tools}
        assert names == ALL_TOOLS - {"execute"}


async def test_sandbox_is_labelled_journaled_and_removed(server_env, state_dir):
    async with Connection(server_env) as c:
        await c.call("write_file", path="a.txt", content="hello")
        await c.call("execute", command="cat a.txt")
        await c.call("read_file", path="missing")
        ours = [s for s in sandboxes() if s.get("createdBy") == "agent" and s.get("client") == "mcp"]
        assert len(ours) >= 1, sandboxes()
        name = next(s["name"] for s in ours if (state_dir / "sandbox" / "journals" / f"{s['name']}.jsonl").exists())
        journal = state_dir / "sandbox" / "journals" / f"{name}.jsonl"
        entries = [json.loads(line) for line in journal.read_text().splitlines()]
        assert [e["tool"] for e in entries] == ["write_file", "execute", "read_file"]
        assert entries[1]["arguments"] == {"command": "cat a.txt"}
        assert entries[1]["result"].startswith("hello")
        assert entries[2]["isError"] is True
        assert all(e["client"] == "mcp" for e in entries)
    assert name not in {s["name"] for s in sandboxes()}, "removed when the client disconnected"


def snapshots():
    out = subprocess.run([BINARY, "snapshots", "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


async def test_an_agent_tries_something_and_goes_back(server_env):
    async with Connection(server_env) as c:
        await c.call("write_file", path="app.py", content="print('good')\n")
        text, error, _ = await c.call("changes")
        assert not error and "+ app.py" in text, text
        text, error, _ = await c.call("changes", path="app.py")
        assert not error and "+print('good')" in text, text
        text, error, _ = await c.call("snapshot", label="good")
        assert not error and "good" in text, text
        await c.call("execute", command="echo broken > app.py; touch junk")
        text, error, _ = await c.call("restore", snapshot="good")
        assert not error and "Restored" in text, text
        text, error, _ = await c.call("execute", command="cat app.py; ls junk")
        assert "print('good')" in text and "broken" not in text, text
        assert "No such file" in text or "can't access" in text, text
        text, error, _ = await c.call("snapshot", label="../escape")
        assert error and "snapshot label" in text, text
        text, error, _ = await c.call("restore", snapshot="never-taken")
        assert error and "no snapshot" in text, text
        mine = [s for s in snapshots() if s["label"] == "good"]
        assert mine, snapshots()
    assert not [s for s in snapshots() if s["sandbox"] == mine[0]["sandbox"]], "its snapshots went with its sandbox"


async def test_keep_leaves_the_sandbox(server_env):
    before = {s["name"] for s in sandboxes()}
    async with Connection(server_env, "--keep") as c:
        await c.call("execute", command="true")
    # Only the one this server made: removing every agent sandbox would hit a test run beside this one.
    kept = [s for s in sandboxes() if s["name"] not in before and s.get("createdBy") == "agent" and s["state"] == "running"]
    assert kept
    import subprocess
    for s in kept:
        subprocess.run([BINARY, "rm", s["name"]], check=True, capture_output=True)


async def test_warm_starts_the_sandbox_before_the_first_call(server_env):
    async with Connection(server_env, "--warm") as c:
        deadline = time.monotonic() + 10
        while not any(s.get("createdBy") == "agent" and s["state"] == "running" for s in sandboxes()):
            assert time.monotonic() < deadline, "no sandbox started before the first tool call"
            time.sleep(0.1)
        running = [s["name"] for s in sandboxes() if s.get("createdBy") == "agent" and s["state"] == "running"]
        text, is_error, _ = await c.call("execute", command="echo warm")
        assert not is_error and text.startswith("warm")
        # The call used the sandbox started at connect time rather than starting another.
        assert [s["name"] for s in sandboxes() if s.get("createdBy") == "agent" and s["state"] == "running"] == running
    assert not any(s.get("createdBy") == "agent" and s.get("client") == "mcp" and s["state"] == "running" for s in sandboxes())


async def test_the_agents_sandbox_has_the_network_policy_and_the_agent_is_told(server_env):
    rules = ["--allow", "db.internal:5432", "--add-host", "db.internal:10.1.2.3", "--allow", "10.9.8.0/24:80"]
    said = "Network: only db.internal:5432, 10.9.8.0/24:80 (db.internal:10.1.2.3 in /etc/hosts); other names do not resolve"
    async with Connection(server_env, *rules) as c:
        assert said in c.instructions
        tools = {t.name: t for t in (await c.session.list_tools()).tools}
        assert said in tools["execute"].description
        text, error, _ = await c.call("execute", command="grep db.internal /etc/hosts")
        assert not error and "10.1.2.3" in text, text
        # A name the rules do not allow: the call's answer says the network refused it.
        text, error, structured = await c.call("execute", command="getent hosts evil.example; true")
        assert "[network: not allowed: evil.example (dns)]" in text, text
        assert structured["denied"] == ["evil.example (dns)"], structured
        assert any(s.get("createdBy") == "agent" and s.get("client") == "mcp" and s.get("isolation") == "allow-list"
                   for s in sandboxes()), sandboxes()
    async with Connection(server_env) as c:
        assert "Network: the internet, but not this machine's services" in c.instructions


async def test_the_agent_gets_no_root_unless_asked(server_env):
    async with Connection(server_env) as c:
        assert "User: commands run as sandbox, not root" in c.instructions, c.instructions
        text, _, _ = await c.call("execute", command="id -un; id -u")
        assert text.startswith("sandbox\n1000\n"), text
        # Its files go with its rights: not into the system's, and what it writes is its own.
        text, error, _ = await c.call("write_file", path="/etc/owned", content="x")
        assert error and "permission denied" in text.lower(), text
        text, error, _ = await c.call("write_file", path="mine.txt", content="x")
        assert not error, text
        text, _, _ = await c.call("execute", command="stat -c %U mine.txt")
        assert text.startswith("sandbox\n"), text
    async with Connection(server_env, "--user", "root") as c:
        assert "User: commands run as root" in c.instructions
        text, _, _ = await c.call("execute", command="id -u")
        assert text.startswith("0\n"), text


def test_a_bad_network_policy_stops_the_server_with_its_message(server_env):
    import subprocess
    bad = subprocess.run([BINARY, "mcp", "--allow", "10.0.0.1:0"], env=server_env, capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "--allow '10.0.0.1:0': the port must be a number from 1 to 65535" in bad.stderr, bad.stderr
    both = subprocess.run([BINARY, "mcp", "--sandbox", "x", "--allow", "10.0.0.1"], env=server_env, capture_output=True, text=True, timeout=30)
    assert both.returncode != 0 and "not with --sandbox" in both.stderr, both.stderr
