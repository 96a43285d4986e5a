# Two commands do all the set-up: `make demo` and `make test`.
# Each creates the virtual environment in .venv and installs what it needs on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint typecheck bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "rocking needs Python 3.11 or newer (found: $$($(PYTHON) --version))" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(STAMP)
	$(BIN)/rocking demo

lint: $(STAMP)
	$(BIN)/ruff check pose sessions tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# Tests run in one worker process per CPU (pytest-xdist); a shared clip's or the photos' tests
# stay in one worker (loadgroup), so each goes through the pose model once.
XDIST := -n auto --maxprocesses 4 --dist loadgroup
# Property tests draw the same examples every run (Hypothesis's ci profile, derandomised), so the
# suite passes or fails the same way each time; plain `pytest` still explores new examples.
REPEATABLE := --hypothesis-profile=ci

test: $(STAMP) lint typecheck
	@sh scripts/ensure_xvfb.sh
	$(BIN)/python -m pytest -q $(XDIST) $(REPEATABLE)

# The inner loop: everything but the tests marked slow (real pose model, subprocesses, windows).
test-fast: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -q $(XDIST) $(REPEATABLE) -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_analysis.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
