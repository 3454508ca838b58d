# Two commands on a fresh machine with only Python 3.11+ and make:
#   make demo   – set everything up, run the daemon against the built-in sandbox
#   make test   – set everything up, run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench run sandbox clean core

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The compiled core (bridge/compiled.py), built whenever none matches the sources (a look
# of a few milliseconds). Without a C compiler it says so and the bridge runs its sources.
core: $(STAMP)
	@$(BIN)/bridge core build --optional --if-needed

demo: core
	$(BIN)/bridge demo --once

test: core
	$(BIN)/python -m pytest -q

bench: core
	$(BIN)/python -m bench

sandbox: core
	$(BIN)/bridge sandbox

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
