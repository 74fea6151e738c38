# The two commands a fresh machine needs: `make demo` and `make test`.
# Each creates .venv and installs what it needs into it first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("statusfiles needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@PATH="$(CURDIR)/$(BIN):$$PATH" scripts/demo.sh

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_validate.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_sync.py
	$(BIN)/python benchmarks/bench_publish_job.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
