# The README's interface: `make demo` and `make test`. Everything else is set up from here.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# This machine's pip config names index folders that may not exist; its warnings are noise.
PIP_QUIET := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
PYTHON ?= python3.11
VENV := .venv
PY := $(abspath $(VENV))/bin/python
DEPS_READY := $(VENV)/.deps-ready
ENV_READY := $(VENV)/.env-ready
INTERFACE_SOURCES := $(shell find interfaces test/interfaces -type f 2>/dev/null)
PYTEST_ARGS ?=

# The project sets what it needs itself; nobody exports anything by hand.
export ROS_AUTOMATIC_DISCOVERY_RANGE := LOCALHOST
export AMENT_PREFIX_PATH := $(abspath $(VENV))
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help env demo test typecheck bench server lock clean

help:
	@echo "make demo   - record a short simulated robot session into a local Mosaico server and print it"
	@echo "make test   - build the environment if missing, then run the whole test suite"
	@echo "make typecheck - mypy --strict on the package (also part of make test)"
	@echo "make bench  - run the benchmarks (bench/README.md)"
	@echo "make server - run the local Mosaico server on 127.0.0.1:6726 with the store in ./mosaico_store"
	@echo "make lock   - re-pin constraints.txt from requirements.txt"

env: $(ENV_READY)

$(DEPS_READY): requirements.txt constraints.txt setup.py setup.cfg package.xml mosaico_ros_bridge/ontology/_gather.c
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(PY) || { echo "env: creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "env: installing pinned dependencies (constraints.txt) into $(VENV) ..."
	@$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt -c constraints.txt $(PIP_QUIET)
	@$(PY) -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e . $(PIP_QUIET)
	@touch $@

$(ENV_READY): $(DEPS_READY) $(INTERFACE_SOURCES) tools/build_interfaces.py tools/ament_prefix.py $(wildcard launch/*.launch.py config/*.yaml)
	@$(PY) tools/build_interfaces.py --prefix $(VENV) --work build/interfaces interfaces test/interfaces
	@$(PY) tools/ament_prefix.py --prefix $(VENV)
	@touch $@
	@echo "env: ready ($(VENV))"

demo: $(ENV_READY)
	@$(PY) -m mosaico_ros_bridge.demo

test: $(ENV_READY)
	@$(PY) -m pytest $(PYTEST_ARGS)

typecheck: $(DEPS_READY)
	@$(PY) -m mypy mosaico_ros_bridge

bench: $(ENV_READY)
	@$(PY) -m bench

server: $(ENV_READY)
	@$(PY) -m mosaico_ros_bridge.server --store mosaico_store

lock: $(DEPS_READY)
	@(echo "# Exact pins for the .venv (pip freeze --all of requirements.txt; Python 3.11, Linux x86_64)."; \
	  echo "# Regenerate with: make lock"; $(PY) -m pip freeze --all --exclude-editable | grep -v '^pip==' | sort -f) > constraints.txt

clean:
	rm -rf $(VENV) build *.egg-info mosaico_ros_bridge/ontology/_gather*.so
