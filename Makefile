# Two entry points, each doing its own set-up in .venv (see README).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: solve test lint setup clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

## Solve the bundled instance (ARGS are passed to `placement-opt solve`).
solve: $(STAMP)
	$(BIN)/placement-opt solve $(ARGS)

## Lint, type-check and run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check placement_opt tests benchmarks instances
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
