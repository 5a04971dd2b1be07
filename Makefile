# m365-inventory-operator: everything the project needs is installed by these targets.
# `make test` is what CI runs (.ci/run); `make demo` shows the operator's main job.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv controlplane helm promtool tools chart-check crds lint test test-fast demo bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## Create .venv with the package and its development tools

controlplane: ## Build (first time) or reuse etcd, kube-apiserver and kube-controller-manager
	hack/build-controlplane.sh

helm: ## Build (first time) or reuse helm, pinned, in the cache outside the repository
	hack/build-helm.sh >/dev/null

# promtool ships in Debian's prometheus package (root on CI; sudo elsewhere).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
promtool: ## Install promtool (Debian's prometheus package) when it is missing
	@command -v promtool >/dev/null || { $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends prometheus; }

tools: helm promtool ## The operations tools the tests use (helm, promtool)

chart-check: $(STAMP) controlplane tools ## Alert rules (promtool), chart lint/template/dry run, RBAC e2e
	$(BIN)/pytest tests/ops

crds: $(STAMP) ## Regenerate the CRDs from the API models
	$(BIN)/m365-inventory crds --out crds --out charts/m365-inventory-operator/crds

lint: $(STAMP) ## ruff, mypy --strict, import-linter contracts
	$(BIN)/ruff check operator tests
	$(BIN)/ruff format --check operator tests
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) controlplane tools lint ## Everything CI runs: lint, unit, integration and end-to-end tests
	$(BIN)/pytest

test-fast: $(STAMP) tools ## Only the tests that need no control plane
	$(BIN)/pytest -m "not cluster"

# Uses the current kube context when asked: `make demo KUBECONFIG=...` (on the command line)
# or DEMO_USE_CURRENT_CONTEXT=1. DEMO_EXIT=1 exits after the first sync instead of waiting.
demo: $(STAMP) controlplane ## Run the operator against a simulated MSP (Ctrl-C stops it)
	$(BIN)/m365-inventory demo $(if $(filter command line,$(origin KUBECONFIG)),--use-current-context)

# Defaults: 100 tenants, 20,000 users, 10,000 devices, 1,000 groups (many minutes on 2 cores).
# Smaller or several scales: `make bench BENCH_ARGS="--scale 0.05 --scale 0.1"`. See docs/benchmarks.md.
bench: $(STAMP) controlplane ## Benchmark the operator on a synthetic MSP; JSON lines, a table, results
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean: ## Remove the virtualenv and caches (the control-plane cache outside the repo stays)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
