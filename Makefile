# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test install lint genre-eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# torch first, pinned to the CPU build; otherwise pip resolves sentence-transformers to a multi-GB CUDA build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/qa articles corpus/
	$(BIN)/qa build corpus/ --index index/
	@echo "The web chat over corpus/ is coming soon: the index above is what it will answer from."

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check qa tests scripts
	$(BIN)/mypy qa

genre-eval: $(STAMP)
	$(BIN)/python scripts/eval_genre.py

bench: $(STAMP)
	$(BIN)/python scripts/bench_index.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
