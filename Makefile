# Two commands a fresh machine needs: `make demo` and `make test`.
# Each bootstraps what it uses (.venv from the pinned requirements, Azurite from npm).
# Python 3.13+ (the Functions worker library, azure-functions-runtime, needs it); override with PYTHON=.
PYTHON ?= $(shell sh tools/find-python.sh)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov (infra scan in the unit tests) gets a venv of its own: its pins clash with pytest's.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: help demo demo-rollout test test-unit test-functional test-e2e lint typecheck bench clean proto

help:
	@echo "make demo    - run a full image build on the local stand-ins (Azurite, armsim, devhost)"
	@echo "make test    - lint, type-check and run every test tier"
	@echo "make bench   - run the benchmarks, print the table, write bench/results.json"

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.13 or newer found (looked for python3.13, python3 and pyenv's 3.13 builds)." >&2; \
	  echo "Install one (Debian 13: apt install python3 python3-venv; elsewhere: pyenv install 3.13)" >&2; \
	  echo "or name it: make PYTHON=/path/to/python3.13 ..." >&2; exit 1; fi
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)'; then \
	  echo "$(VENV) holds an older Python: recreating it with $(PYTHON)"; rm -rf $(VENV); fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt constraints-checkov.txt
	@if [ -z "$(PYTHON)" ]; then echo "No Python 3.13 or newer found (see make deps)." >&2; exit 1; fi
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt -c constraints-checkov.txt
	touch $(CHECKOV_STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch node_modules/.installed

.PHONY: deps
deps: $(STAMP) node_modules/.installed $(CHECKOV_STAMP)

# The Python modules of devhost's host-worker protocol subset, compiled from its .proto (committed;
# tests/unit/devhost/test_protocol.py checks that they are what the .proto compiles to).
PROTO := devhost/worker/rpc/function_rpc.proto
proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. $(PROTO)

lint: $(STAMP)
	$(PY) -m ruff check .

typecheck: $(STAMP)
	$(PY) -m mypy

test: deps lint typecheck
	$(PY) -m pytest

test-unit: deps
	$(PY) -m pytest tests/unit

test-functional: deps
	$(PY) -m pytest tests/functional

test-e2e: deps
	$(PY) -m pytest tests/e2e

demo: deps
	$(PY) -m demo

demo-rollout: deps
	$(PY) -m demo --scenario rollout

bench: deps
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .devhost .azurite
