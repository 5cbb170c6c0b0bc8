# Two commands for a new user: `make run` (the API on :8000) and `make test` (the whole suite).
# Both create the virtualenv and install what they need; with no POSTGRES_* / SPACES_* set they start
# embedded servers of their own (see devservices/): manage.py for `make run`, a pytest plugin for `make test`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 0.0.0.0
PORT ?= 8000

.PHONY: run test test-long test-long-load test-long-fuzz test-long-delivery lint format migrate lock check-deploy bench bench-images bench-storefront bench-payments \
	bench-jobs bench-webhooks clean

# requirements*.txt are lock files (every package, transitive ones too, pinned with its hashes): a fresh clone
# installs exactly what CI tested. Edit requirements.in / requirements-dev.in, then `make lock`.
$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	touch $@

LOCK := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links

lock: $(INSTALLED)
	$(LOCK) --output-file requirements.txt requirements.in
	$(LOCK) --output-file requirements-dev.txt requirements-dev.in

migrate: $(INSTALLED)
	$(BIN)/python manage.py migrate --no-input

# The API and a job worker (mail, webhooks, periodic housekeeping); WORKERS=n for more worker processes.
WORKERS ?= 1
run: migrate
	$(BIN)/python manage.py runserver_with_worker $(HOST):$(PORT) --workers $(WORKERS)

# ruff (lint and format) and mypy (django-stubs, djangorestframework-stubs): configured in pyproject.toml.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The browser test (api/tests/test_frontend_browser.py) drives Debian's chromium: installed here when missing
# and we are root; without it that test is skipped (it fails under CI=true).
test: lint
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; } } || \
	  echo "chromium is not installed: the browser test is skipped"
	$(BIN)/pytest $(PYTEST_ARGS)

# The long tests (about 15 minutes; tests/load and two suites at scale): gunicorn with the production settings on a
# PostgreSQL and a SeaweedFS of their own, which the tests stop and restart, and real job workers. Loopback only;
# every wait is bounded. Three groups, which CI runs partly side by side (.ci/run).
test-long: test-long-load test-long-fuzz test-long-delivery

LONG_PYTEST := $(BIN)/pytest -p no:django -p no:cacheprovider -W ignore::pytest.PytestConfigWarning --confcutdir=tests/load

# Load, faults, several instances, throttle races; 200 concurrent paid checkouts.
test-long-load: $(INSTALLED)
	$(LONG_PYTEST) tests/load --ignore=tests/load/test_mail_delivery.py --ignore=tests/load/test_webhooks.py \
	  $(PYTEST_ARGS)
	PAYMENT_RACE_BUYERS=200 $(BIN)/pytest -p no:cacheprovider payments/tests/test_races.py -k concurrent_paid

# The schema fuzzing with five times the examples of `make test` (a test database of its own, so it can run beside
# another suite).
test-long-fuzz: $(INSTALLED)
	TEST_DATABASE_NAME=test_shopbuilder_fuzz $(BIN)/pytest -p no:cacheprovider api/tests/test_fuzz.py --fuzz-scale=5

# The delivery proofs: mail through an SMTP outage and a killed worker, webhooks through a failing and a hanging
# receiver. They mostly wait (outages, stalled workers), so CI runs them beside the second suite.
test-long-delivery: $(INSTALLED)
	$(LONG_PYTEST) tests/load/test_mail_delivery.py tests/load/test_webhooks.py $(PYTEST_ARGS)

# `manage.py check --deploy` with production settings and placeholder production values.
check-deploy: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$(openssl rand -hex 40) \
	ALLOWED_HOSTS=api.example.com EMAIL_HOST=smtp.example.com POSTGRES_DB=shop POSTGRES_USER=shop POSTGRES_HOST=db.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# API figures and ratios (not a test): gunicorn with the production settings on PostgreSQL and S3, a seeded
# catalogue, wrk (installed here when missing and we are root; else a Python load generator). Writes
# bench-results/api.md and api.png. Then checkout with a PaymentIntent against without (bench-payments).
bench: $(INSTALLED)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; } } || \
	  echo "wrk is not installed: using the Python load generator (lower figures)"
	$(BIN)/python bench/api.py
	$(BIN)/python bench/payments.py

# Image pipeline figures and ratios (not a test): prints a table and writes bench-results/images.md.
bench-images: $(INSTALLED)
	$(BIN)/python bench/images.py

# Public page figures (not a test): the shop page, product list and product page of a 100-product x
# 100-variant shop, cold and warm, anonymous and with a garbage token. Writes bench-results/storefront.md.
bench-storefront: $(INSTALLED)
	$(BIN)/python bench/storefront.py

# Checkout with a Stripe PaymentIntent (against localstripe) vs without payment: p50/p99 of our own server time
# and queries, as ratios (not a test). Writes bench-results/payments.md.
bench-payments: $(INSTALLED)
	$(BIN)/python bench/payments.py

# Job queue figures (not a test): jobs/s of one and two workers (trivial jobs, then mail to an SMTP server of
# its own) and mail's enqueue -> delivered p50/p95. Writes bench-results/jobs.md.
bench-jobs: $(INSTALLED)
	$(BIN)/python bench/jobs.py

# Webhook figures (not a test): enqueue -> delivered p50/p95 and deliveries/s with one and two webhook workers,
# receivers on loopback. Writes bench-results/webhooks.md.
bench-webhooks: $(INSTALLED)
	$(BIN)/python bench/webhooks.py

clean:
	rm -rf $(VENV) .devdata .pytest_cache .ruff_cache .mypy_cache
