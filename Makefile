# Two entry points for a fresh machine: `make run` and `make test`.
# Both create the virtual environment in .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# The NHS.UK design system's styles and scripts for the web pages, as package-lock.json pins them.
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(STAMP)

.PHONY: setup run test lint mutate
setup: $(STAMP)

run: $(STAMP)
	$(BIN)/stp run

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports --no-cache

test: $(STAMP) lint
	$(BIN)/python -m pytest -q -n auto

# Mutation testing of src/stpkit/engine and src/stpkit/assurance with mutmut, configured under
# [tool.mutmut] in pyproject.toml; its working files go to mutants/ (not committed). It ends with
# the share of the mutants tested that the tests killed; `.venv/bin/mutmut browse` shows each
# survivor. To run part of it, name the mutants, e.g.
#   make mutate MUTANTS='stpkit.engine.project.* stpkit.assurance.rating.*'
MUTANTS ?=
MUTATE_JOBS ?= 2
mutate: $(STAMP)
	$(BIN)/mutmut run --max-children $(MUTATE_JOBS) $(MUTANTS)
	$(BIN)/mutmut export-cicd-stats
	@$(BIN)/python -c 'import json; s = json.load(open("mutants/mutmut-cicd-stats.json")); \
		k = s["killed"] + s["timeout"]; n = k + s["survived"] + s["suspicious"] + s["segfault"]; u = s["no_tests"]; \
		print(f"kill rate: {k} of {n} mutants tested killed ({100 * k / max(n, 1):.1f}%); {u} reached by no test")'
