# The two commands of the quick start: `make run` and `make test`.
# Both create .venv with a Python of 3.12 or newer and install the pinned dependencies.
# `make test` also runs the browser tests when Debian's Chromium and npm (for axe-core) are
# here, and says plainly that it leaves them out when they are not.

VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip --disable-pip-version-check --quiet
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM := /usr/bin/chromium
BROWSER_TESTS := tests/browser
AXE := $(BROWSER_TESTS)/node_modules/axe-core/axe.min.js
NPM := $(shell command -v npm 2>/dev/null)

# Why the browser tests cannot run here, if they cannot.
ifeq ($(wildcard $(CHROMIUM)),)
NO_BROWSER := Chromium not found at $(CHROMIUM): skipping the browser tests (install it with: apt-get install chromium)
else ifeq ($(NPM),)
NO_BROWSER := npm not found: skipping the browser tests, which need axe-core from npm (install it with: apt-get install npm)
endif

# CI sets REQUIRE_BROWSER=1: nothing is left out, and the browser tests fail on what is missing.
export REQUIRE_BROWSER
ifneq ($(filter-out 0,$(REQUIRE_BROWSER)),)
NO_BROWSER :=
endif

.PHONY: run test migrate seed check clean

# The settings default to production mode; these targets are for development. (The tests set
# it themselves: tests/development_mode.py.)
run migrate seed check: export DJANGO_DEBUG = true

run: $(VENV)/.installed-run
	$(PYTHON) manage.py migrate --no-input
	$(PYTHON) manage.py create_local_analyst
	$(PYTHON) manage.py seed
	@echo "Serving on http://$(HOST):$(PORT)/ (the analysts' admin is at /admin/). Stop with Ctrl-C."
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

ifeq ($(NO_BROWSER),)
test: $(VENV)/.installed-test $(if $(NPM),$(AXE))
	$(PYTHON) -m pytest --cov --cov-report=term $(PYTEST_ARGS)
else
test: $(VENV)/.installed-test
	@echo "$(NO_BROWSER)"
	$(PYTHON) -m pytest --cov --cov-report=term -m "not browser" $(PYTEST_ARGS)
endif

migrate: $(VENV)/.installed-run
	$(PYTHON) manage.py migrate --no-input

seed: $(VENV)/.installed-run
	$(PYTHON) manage.py seed

check: $(VENV)/.installed-test
	$(PYTHON) -m ruff check config claims analysts tests bench
	$(PYTHON) manage.py check
	$(PYTHON) manage.py makemigrations --check --dry-run

# `make bench`: the performance figures beside their targets, written to bench/results.txt (README,
# "Performance"). It creates and drops throw-away databases bench_* through BENCH_DATABASE_URL, the
# admin connection; options go in BENCH_ARGS, e.g. `make bench BENCH_ARGS=--quick` or "--only latency".
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: bench
bench: $(VENV)/.installed-test
	DATABASE_URL='$(BENCH_DATABASE_URL)' $(PYTHON) bench/run.py $(BENCH_ARGS)

$(VENV)/.installed-run: requirements.txt | $(VENV)/bin/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(VENV)/bin/python
	$(PIP) install -r requirements-test.txt
	touch $@ $(VENV)/.installed-run

# npm gives its files a fixed old date, so the touch: npm ci again only when the lock file changes.
$(AXE): $(BROWSER_TESTS)/package-lock.json
	npm ci --prefix $(BROWSER_TESTS) --no-audit --no-fund
	touch $@

# The Python that .python-version selects through pyenv, else the newest suitable one found.
$(VENV)/bin/python:
	@python=""; \
	for candidate in python3.13 python3.14 python3.12 python3 \
	    $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	  if command -v "$$candidate" >/dev/null 2>&1 && \
	     "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    python="$$candidate"; break; \
	  fi; \
	done; \
	if [ -z "$$python" ]; then \
	  echo "No Python 3.12 or newer found (tried python3.13, python3.14, python3.12, python3" >&2; \
	  echo "and ~/.pyenv/versions). Install one, for example with 'pyenv install 3.13', and run make again." >&2; \
	  exit 1; \
	fi; \
	echo "Creating $(VENV) with $$python ($$("$$python" --version))"; \
	"$$python" -m venv $(VENV)

clean:
	rm -rf $(VENV) staticfiles .coverage .hypothesis $(BROWSER_TESTS)/node_modules tests/screenshots
