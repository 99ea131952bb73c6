# Developer commands. `make render` and `make test` create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: render test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,neural,export,cluster]'  # neural: the Piper voice; export: --export; cluster: --cluster
	touch $(STAMP)

render: $(STAMP)
	@$(BIN)/python -m compileall -q narrate  # bytecode, even under PYTHONDONTWRITEBYTECODE
	$(BIN)/narrate render assets/examples/telegram-backdoor.txt

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check narrate tests
	$(BIN)/ruff format --check narrate tests
	$(BIN)/mypy narrate

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) renders/*/ .pytest_cache
