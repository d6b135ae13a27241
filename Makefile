# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test install browser lint genre-eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# torch first, pinned to the CPU build; otherwise pip resolves sentence-transformers to a multi-GB CUDA build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The web chat over corpus/ on http://127.0.0.1:7860; app.py builds or updates index/ first, with progress.
run: $(STAMP)
	$(BIN)/python app.py

# Debian's chromium for the browser tests, when it is missing and apt-get can install it (CI runs as root).
browser:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium not installed: the browser test will be skipped"

test: $(STAMP) browser
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check qa tests scripts app.py
	$(BIN)/mypy qa app.py

genre-eval: $(STAMP)
	$(BIN)/python scripts/eval_genre.py

bench: $(STAMP)
	$(BIN)/python scripts/bench_index.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
