# ttai — every target creates or refreshes .venv first; nothing relies on a hand-installed package.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench soak clean venv browser

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ttai needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/ttai --demo

lint: $(DEVSTAMP)
	$(VENV)/bin/ruff check ttai_tui tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# The browser tests drive Debian's Chromium (a browser download is impossible here); install it
# when it is missing (machines and CI run as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }

test: lint browser
	$(PY) -m pytest -n 2 --dist loadgroup -q

bench: $(DEVSTAMP)
	$(PY) -m bench

soak: $(DEVSTAMP)
	$(PY) -m bench.soak

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
