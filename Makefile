# `make run` sets a machine up and starts sandbox; `make test` runs every test against a real daemon.
SWIFT ?= swift
SETUP := scripts/setup-machine.sh
LOCAL_PYTHON_IMAGE := sandbox-test/python:3.11

.PHONY: run test bench setup build release clean

setup:
	@bash $(SETUP)

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product sandbox

# Uses python:3.12-slim when it is present or can be pulled, else the locally built Python image.
run: setup release
	@image=$$(bash scripts/default-image.sh $(LOCAL_PYTHON_IMAGE)); \
	SANDBOX_DEFAULT_IMAGE=$$image .build/release/sandbox $(ARGS)

VENV := .venv

$(VENV)/.installed: Tests/agent/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r Tests/agent/requirements.txt
	touch $@

# Swift tests (units, the engine against the daemon, the CLI, REPL and TUI through tmux),
# then the agent tools driven by real MCP clients. The timeouts turn a hang into a failure.
test: setup $(VENV)/.installed
	$(SWIFT) build --build-tests
	timeout -k 30 30m $(SWIFT) test --no-parallel
	cd Tests/agent && timeout -k 30 15m ../../$(VENV)/bin/python -m pytest -q -p no:cacheprovider

BENCH_VENV := .venv-bench

$(BENCH_VENV)/.installed:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q 'pydantic-ai-backend[docker]==0.1.14'
	touch $@

# SandboxKit against the docker CLI, pydantic-ai-backend 0.1.14 and curl on the same daemon and
# image, then the console's CPU and latency; writes BENCHMARKS.md. Takes about five minutes.
bench: setup $(BENCH_VENV)/.installed
	$(SWIFT) build -c release --product sandbox-bench
	$(SWIFT) build -c release --product sandbox
	python3 scripts/bench/bench.py --image $(LOCAL_PYTHON_IMAGE) --ours .build/release/sandbox-bench \
		--sandbox .build/release/sandbox --pydantic-python $(BENCH_VENV)/bin/python

clean:
	rm -rf .build
