# policy-platform developer tasks. Needs only python3 (>= 3.11) on PATH.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PP      = $(BIN)/policy-platform
EXAMPLE = examples/platform
SHARED ?= ../shared

.PHONY: install demo test lint typecheck unit conformance bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	@echo "=== policy-platform check --env dev (Audit: violations are warnings) ==="
	@-$(PP) check --config $(EXAMPLE)/platform.yaml --env dev --output-dir out/dev; echo "exit code: $$?"
	@echo
	@echo "=== policy-platform check --env prd (Enforce: violations block) ==="
	@-$(PP) check --config $(EXAMPLE)/platform.yaml --env prd --output-dir out/prd; echo "exit code: $$?"

lint: install
	$(BIN)/ruff check src tests bench

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q

test: lint typecheck unit

conformance: install
	$(BIN)/python scripts/conformance.py $(SHARED)/conformance/kyverno-policies

bench: install
	$(BIN)/python bench/check_bench.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
