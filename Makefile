# Two entry points, each doing its own set-up in .venv (see README): `make solve` installs the
# runtime dependencies only, `make test` adds the development extras. Each step has its own stamp,
# so `make test` after `make solve` only adds the extras.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: solve test lint setup clean

$(RUNTIME): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "placement_opt needs Python 3.11 or newer; run make PY=python3.11 (or newer)" >&2; exit 1; }
	[ -x $(BIN)/python ] || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(DEV)

## Solve the bundled instance (ARGS are passed to `placement-opt solve`).
solve: $(RUNTIME)
	$(BIN)/placement-opt solve $(ARGS)

## Lint, type-check and run the whole test suite.
test: $(DEV)
	$(BIN)/ruff check placement_opt tests benchmarks instances
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
