# Two commands for a new user: `make run` (the API on :8000) and `make test` (the whole suite).
# Both create the virtualenv and install what they need; with no POSTGRES_* / SPACES_* set they start
# embedded servers of their own (see devservices/).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 0.0.0.0
PORT ?= 8000

.PHONY: run test lint format migrate check-deploy bench-images clean

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

migrate: $(INSTALLED)
	$(BIN)/python manage.py migrate --no-input

run: migrate
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

# `manage.py check --deploy` with production settings and placeholder production values.
check-deploy: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$(openssl rand -hex 40) \
	ALLOWED_HOSTS=api.example.com POSTGRES_DB=shop POSTGRES_USER=shop POSTGRES_HOST=db.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Image pipeline figures and ratios (not a test): prints a table and writes bench-results/images.md.
bench-images: $(INSTALLED)
	$(BIN)/python bench/images.py

clean:
	rm -rf $(VENV) .devdata .pytest_cache .ruff_cache
