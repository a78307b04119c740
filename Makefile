# Two commands a newcomer needs: `make run` and `make test`. Both create .venv and install.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := portal:create_app

.PHONY: run test lint format install install-test clean translations compile-translations

$(BIN)/activate:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip uv

install: $(BIN)/activate
	$(BIN)/uv pip install -q --python $(BIN)/python -e .
	$(MAKE) --no-print-directory compile-translations

install-test: $(BIN)/activate
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[test]'
	$(MAKE) --no-print-directory compile-translations

# The catalogs: `make translations` extracts every marked string (babel.cfg) and merges it
# into each language's messages.po, to be translated there; the compiled .mo files are
# built by every install (they are not committed).
POT := portal/translations/messages.pot
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2

translations: install
	$(BIN)/pybabel -q extract -F babel.cfg $(BABEL_KEYWORDS) --no-wrap --sort-by-file --add-location=file \
		--project "Occupancy Portal" -o $(POT) .
	$(BIN)/pybabel -q update --no-wrap --ignore-pot-creation-date -i $(POT) -d portal/translations
	$(MAKE) --no-print-directory compile-translations

compile-translations:
	$(BIN)/pybabel compile --statistics -d portal/translations

# `make run PORT=5001` serves on another port; emailed links, the verification address and
# the QR code then name that port too (unless PORTAL_BASE_URL is set).
PORT ?= 5000
SERVED_AT := PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://127.0.0.1:$(PORT)}"

run: install
	$(BIN)/flask db upgrade
	$(SERVED_AT) $(BIN)/flask seed-demo --if-empty
	$(SERVED_AT) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# pytest-xdist: one worker per core (each with its own app, database and browser);
# `make test PYTEST_WORKERS=0` runs in one process, e.g. to use a debugger.
PYTEST_WORKERS ?= auto

# The suite's processes (pytest, each xdist worker, the flask commands tests start) write and
# share compiled bytecode under .venv/pycache, even where PYTHONDONTWRITEBYTECODE is set (as on
# the CI machine): without it each worker compiled ~1,900 modules from source on every run,
# ~6 s of CPU each (issue 17).
PYCACHE = env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/.venv/pycache

# Lint and type problems fail the target but do not hide the test results: the suite runs either way.
test: install-test
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	$(PYCACHE) $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=$$?; \
	exit $$status

lint: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) instance/*.sqlite3
