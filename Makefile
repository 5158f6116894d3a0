# newsflow: `make run` (the pipeline on the embedded stack) and `make test` do all set-up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NEWSFLOW := $(VENV)/bin/newsflow
STACK := $(PY) infra/embedded/stack.py
# optional extras on top of dev, comma-separated: `make run NEWSFLOW_EXTRAS=embeddings` (torch from
# PyPI is its CUDA build, ~2.7 GB of wheels, ~5 GB installed: out of the default install; CI adds it, .ci/run)
NEWSFLOW_EXTRAS ?=
comma := ,
EXTRAS := dev$(if $(strip $(NEWSFLOW_EXTRAS)),$(comma)$(strip $(NEWSFLOW_EXTRAS)))
INSTALLED := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: help run logs test test-unit test-integration fuzz bench bench-extract bench-fetch bench-enrich bench-index bench-pipeline stop status up lint clean system-deps stack

help:
	@echo "make run    set up everything, start the embedded stack and the pipeline"
	@echo "make test   set up everything and run the whole test suite against the embedded stack"
	@echo "make bench  benchmarks (ratios measured side by side in one run)"
	@echo "make stop   stop what make run started;  make status: what is running"
	@echo "make up     the production-shaped stack with docker compose"
	@echo "make lint   ruff + mypy;  make clean: remove the venv and the state folder"

$(INSTALLED): pyproject.toml schemas/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing Python dependencies into $(VENV) (log: $(VENV)/pip.log) ..."
	@$(PY) -m pip install --upgrade pip > $(VENV)/pip.log 2>&1 \
	  && $(PY) -m pip install -e ./schemas -e '.[$(EXTRAS)]' >> $(VENV)/pip.log 2>&1 \
	  || { tail -n 30 $(VENV)/pip.log; echo "newsflow: pip install failed; full log in $(VENV)/pip.log" >&2; exit 1; }
	@touch $@

system-deps:
	@bash infra/embedded/system-deps.sh

stack: system-deps $(INSTALLED)
	@$(STACK) start

run: stack
	@$(NEWSFLOW) init
	@$(NEWSFLOW) index migrate  # a stack kept from an earlier run moves to the current mapping (else a no-op)
	@$(PY) infra/embedded/pipeline.py start
	@$(PY) infra/embedded/pipeline.py demo
	@echo
	@echo "Apache Kafka 4.4.0      127.0.0.1:$${NEWSFLOW_STACK_KAFKA_PORT:-9092}"
	@echo "OpenSearch              http://127.0.0.1:$${NEWSFLOW_STACK_OPENSEARCH_PORT:-9200}"
	@echo "OpenSearch Dashboards   http://127.0.0.1:$${NEWSFLOW_STACK_DASHBOARDS_PORT:-5601}"
	@echo "State, logs, pid files  .state/    (make stop stops it all)"

# The fixtures start (or reuse) the embedded stack too (tests/integration/conftest.py); starting it here first
# shows the download and start-up progress that pytest would capture.
test: system-deps $(INSTALLED)
	@$(STACK) start --only broker,opensearch,elasticsearch
	$(PY) -m pytest

test-unit: $(INSTALLED)
	$(PY) -m pytest tests/unit

# the property tests of `make test` for longer: HYPOTHESIS_PROFILE=fuzz (thousands of examples per target)
fuzz: $(INSTALLED)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/unit/test_properties.py -m property -p no:randomly \
	  --hypothesis-show-statistics

test-integration: system-deps $(INSTALLED)
	$(PY) -m pytest tests/integration

bench: bench-extract bench-fetch bench-enrich bench-index bench-pipeline

# fetch throughput against a loopback server, and politeness holding its rate (no stack needed)
bench-fetch: $(INSTALLED)
	@mkdir -p bench-results
	$(PY) -m benchmarks.bench_fetch --json bench-results/fetch.json

# enrichment cost per English article, per enricher and whole, beside the parse stage
bench-enrich: $(INSTALLED)
	@mkdir -p bench-results
	$(PY) -m benchmarks.bench_enrich --json bench-results/enrich.json
	$(PY) -m benchmarks.dedup_eval

# index service throughput beside a plain helpers.async_bulk of the same documents (needs the stack)
bench-index: stack
	@mkdir -p bench-results
	$(PY) -m benchmarks.bench_index --json bench-results/index.json

# dev-set pages -> searchable through the running services beside the same stages in one process (needs the stack)
bench-pipeline: stack
	@mkdir -p bench-results
	$(PY) -m benchmarks.bench_pipeline --json bench-results/pipeline.json

# extraction quality and speed on the shared dev set, beside trafilatura alone
bench-extract: $(INSTALLED)
	@mkdir -p bench-results
	$(PY) -m benchmarks.bench_extract --json bench-results/extract.json

stop:
	@if [ -x $(PY) ]; then $(PY) infra/embedded/pipeline.py stop; $(STACK) stop; \
	 else $(PYTHON) infra/embedded/stack.py stop; fi

logs:
	@tail -n 20 -F .state/logs/fetch.log .state/logs/parse.log .state/logs/enrich.log .state/logs/index.log

status: $(INSTALLED)
	@$(STACK) status
	@$(PY) infra/embedded/pipeline.py status

up:
	docker compose up -d --build

lint: $(INSTALLED)
	$(VENV)/bin/ruff check services schemas tests infra benchmarks
	MYPYPATH=services:schemas $(VENV)/bin/mypy -p newsflow -p newsflow_schemas

clean: stop
	rm -rf $(VENV) .state .pytest_cache .mypy_cache .ruff_cache
