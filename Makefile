# `make run` sets a machine up and starts sandbox; `make test` runs every test against a real daemon.
SWIFT ?= swift
SETUP := scripts/setup-machine.sh
LOCAL_PYTHON_IMAGE := sandbox-test/python:3.11

.PHONY: run test setup build release clean

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
# then the agent tools driven by real MCP clients.
test: setup $(VENV)/.installed
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel
	cd Tests/agent && ../../$(VENV)/bin/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf .build
