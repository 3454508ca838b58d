# Two commands on a fresh machine with only Python 3.11+ and make:
#   make demo   – set everything up, run the daemon against the built-in sandbox
#   make test   – set everything up, run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORE   := $(VENV)/.core

.PHONY: demo test bench run sandbox clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The compiled core (bridge/compiled.py), built again when a source changes. Without a C
# compiler the build says so and the bridge runs its Python sources.
$(CORE): $(STAMP) $(shell find bridge -name "*.py")
	$(BIN)/bridge core build --optional
	touch $(CORE)

demo: $(CORE)
	$(BIN)/bridge demo --once

test: $(CORE)
	$(BIN)/python -m pytest -q

bench: $(CORE)
	$(BIN)/python -m bench

sandbox: $(CORE)
	$(BIN)/bridge sandbox

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
