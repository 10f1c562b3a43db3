# CNN Visual Lab. `make run` and `make test` do all set-up on a fresh machine (Python 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run class test test-fast lint format bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever a requirements file or pyproject.toml changes.
$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt requirements-mtcnn.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	# MTCNN's weights: without its stale pins (see requirements-mtcnn.txt).
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-mtcnn.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# MALLOC_ARENA_MAX: see deploy/classroom.py (memory comes back after sessions close).
run: $(STAMP)
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run app.py --server.port 8501

# A class on one server: one replica per core behind nginx with sticky sessions (deploy/).
REPLICAS ?= $(shell nproc 2>/dev/null || echo 2)
PORT ?= 8501
class: $(STAMP)
	$(BIN)/python deploy/classroom.py --replicas $(REPLICAS) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest

# Everything but the Chromium tests: the quick loop while editing.
test-fast: lint
	$(BIN)/python -m pytest -m "not browser"

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts
