# govsearch — developer tasks. `make run` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV   ?= .venv
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint format bench bench-scale bench-quick eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -qq --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install govsearch with its test tools

# The samples get an index of their own: `make run` must not add them to the default index,
# which may hold the user's own documents.
run: export GOVSEARCH_INDEX = $(abspath $(VENV))/seed-index
run: $(STAMP) ## index the bundled seeds, search 河长制, then serve the web UI on 127.0.0.1:5000
	$(BIN)/govsearch index seeds/*.txt
	$(BIN)/govsearch search 河长制
	$(BIN)/govsearch serve

test: $(STAMP) ## the whole test suite (what CI runs)
	$(PY) -m pytest -q

test-fast: $(STAMP) ## the suite without slow and browser tests
	$(PY) -m pytest -q -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) ## the benchmark on ../shared/corpus (several minutes; not part of `make test`)
	$(PY) -m bench

bench-scale: $(STAMP) ## the benchmark at 1x, 3x, 10x and 30x (~1.1M paragraphs; about 25 minutes on 2 quiet cores)
	$(PY) -m bench --scales 1,3,10,30

bench-quick: $(STAMP)
	$(PY) -m bench --quick

eval: $(STAMP) ## quality evaluations (ranking, metadata) with their baselines; see bench/eval.py
	$(PY) -m bench.eval

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
