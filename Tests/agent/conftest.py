"""Shared setup: the built `sandbox` binary, the local test image, a private state directory."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("SANDBOX_BIN", str(ROOT / ".build" / "debug" / "sandbox"))
IMAGE = os.environ.get("SANDBOX_TEST_PYTHON_IMAGE", "sandbox-test/python:3.11")


@pytest.fixture
def state_dir(tmp_path):
    return tmp_path / "state"


@pytest.fixture
def server_env(state_dir):
    env = dict(os.environ)
    env["XDG_STATE_HOME"] = str(state_dir)
    env["SANDBOX_DEFAULT_IMAGE"] = IMAGE
    return env


def sandboxes():
    """Our sandboxes as `sandbox ps --json` lists them."""
    import json
    out = subprocess.run([BINARY, "ps", "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)
