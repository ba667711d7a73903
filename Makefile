# The same commands people and CI run. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup demo test test-slow mutants mutmut lint format compose-check ui report perf gpu-check clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install vitbench with its dev tools

demo: $(STAMP) ## Run the demo matrix (3 models x 2 seeds, offline digits) into ./.vitbench
	$(BIN)/vitbench run

test: $(STAMP) ## Run the fast test tier (PostgreSQL tests run when 127.0.0.1:5432 answers)
	$(BIN)/python -m pytest -m "not slow" --durations=30

test-slow: $(STAMP) ## Run the slower tier (fails when it collects no test)
	$(BIN)/python -m pytest -m slow --durations=10

mutants: $(STAMP) ## Plant each bug of tests/mutants/catalogue.yaml alone; fail on a survivor (ARGS=--jobs 2)
	$(BIN)/python tests/mutants/run.py $(ARGS)

mutmut: $(STAMP) ## mutmut 3 on reports/stats.py with its tests (score; ~10 min on 2 cores)
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

lint: $(STAMP) ## ruff lint + format check, import contracts (layers), compose schema
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

format: $(STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

ui: $(STAMP) ## Browse the local store in the MLflow UI on 127.0.0.1:5000
	$(BIN)/vitbench ui

report: $(STAMP) ## Build the comparison report of the latest matrix
	$(BIN)/vitbench report --latest

perf: $(STAMP) ## Measure the harness against bare Keras and the seed recipes
	$(BIN)/vitbench perf

gpu-check: $(STAMP) ## On a GPU machine: perf per backend + a short matrix (WHEELS=dir of wheels)
	$(BIN)/python -m benchmark.perf.gpu_check $(if $(WHEELS),--wheels $(WHEELS))

clean: ## Remove the local store, generated reports and caches (keeps .venv)
	rm -rf .vitbench .pytest_cache .ruff_cache .hypothesis mutants
