# The two commands of the quick start: `make run` and `make test`.
# Both create .venv with a Python of 3.12 or newer and install the pinned dependencies.

VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip --disable-pip-version-check --quiet
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test migrate seed check clean

run: $(VENV)/.installed-run
	$(PYTHON) manage.py migrate --no-input
	$(PYTHON) manage.py create_local_analyst
	$(PYTHON) manage.py seed
	@echo "Serving on http://$(HOST):$(PORT)/ (the analysts' admin is at /admin/). Stop with Ctrl-C."
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-test
	$(PYTHON) -m pytest --cov --cov-report=term $(PYTEST_ARGS)

migrate: $(VENV)/.installed-run
	$(PYTHON) manage.py migrate --no-input

seed: $(VENV)/.installed-run
	$(PYTHON) manage.py seed

check: $(VENV)/.installed-test
	$(PYTHON) manage.py check
	$(PYTHON) manage.py makemigrations --check --dry-run

$(VENV)/.installed-run: requirements.txt | $(VENV)/bin/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(VENV)/bin/python
	$(PIP) install -r requirements-test.txt
	touch $@ $(VENV)/.installed-run

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
	rm -rf $(VENV) staticfiles .coverage
