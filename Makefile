# The two commands: `make run` (set up and serve the demo) and `make test` (install and test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TEST_SECRET := insecure-test-only-key

.PHONY: run test install install-test browser lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	@# A local .env (git-ignored) makes plain `manage.py` commands work in development too.
	@test -f .env || printf 'DEBUG=true\n' > .env
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py setup_demo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

browser:
	scripts/ensure-chromium

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# No SECRET_KEY here on purpose: the settings must import without any environment.
	env -u SECRET_KEY -u DATABASE_URL $(BIN)/mypy

test: install-test browser lint
	SECRET_KEY=$${SECRET_KEY:-$(TEST_SECRET)} $(BIN)/python manage.py check --fail-level WARNING
	SECRET_KEY=$${SECRET_KEY:-$(TEST_SECRET)} $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n 2 --ignore=tests/browser
	# Browser journeys run in their own process: Playwright's event loop gives Django a
	# second connection context that must not outlive the test database.
	$(BIN)/pytest -n 2 tests/browser

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	@# Options (see bench/run.py): make bench BENCH_ARGS="--therapists 5000 --cycles 4".
	@# PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/comb_bench make bench
	SECRET_KEY=$${SECRET_KEY:-$(TEST_SECRET)} $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3 var/staticfiles
