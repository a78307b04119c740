# Two commands a newcomer needs: `make run` and `make test`. Both create .venv and install.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := portal:create_app

.PHONY: run test lint format install install-test clean

$(BIN)/activate:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip uv

install: $(BIN)/activate
	$(BIN)/uv pip install -q --python $(BIN)/python -e .

install-test: $(BIN)/activate
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[test]'

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

# Lint and type problems fail the target but do not hide the test results: the suite runs either way.
test: install-test
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=$$?; \
	exit $$status

lint: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) instance/*.sqlite3
