# The two commands: `make run` (set up and serve the demo) and `make test` (install and test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TEST_SECRET := insecure-test-only-key
# ALL_TESTS=no leaves out what a second database adds nothing to (browser journeys and the
# permission matrix, marked one_database); CI passes it on its PostgreSQL run.
ALL_TESTS ?= yes
ifeq ($(ALL_TESTS),no)
PYTEST_SELECT := -m "not one_database"
endif

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
	@# The demo's logins are shared, so its development configuration asks no second factor.
	@test -f .env || printf 'DEBUG=true\nMFA_REQUIRED_ROLES=\n' > .env
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py setup_demo
	DEBUG=true MFA_REQUIRED_ROLES=$${MFA_REQUIRED_ROLES:-} $(BIN)/python manage.py runserver 127.0.0.1:8000

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
	$(BIN)/pytest -n 2 --ignore=tests/browser $(PYTEST_SELECT)
	@# Browser journeys run in their own process: Playwright's event loop gives Django a
	@# second connection context that must not outlive the test database.
	@if [ "$(ALL_TESTS)" != "no" ]; then $(BIN)/pytest -n 2 tests/browser; fi

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	@# Options (see bench/run.py): make bench BENCH_ARGS="--therapists 5000 --cycles 4".
	@# PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/comb_bench make bench
	SECRET_KEY=$${SECRET_KEY:-$(TEST_SECRET)} $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3 var/staticfiles
