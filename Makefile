# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench chaos install clean dashboard

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

clean:
	rm -rf $(VENV) .pgdata build src/*.egg-info
