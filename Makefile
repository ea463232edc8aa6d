# Developer commands. Needs only Python 3.11+, pip and make (npm for the browser tests).
#   make run    start the app with demo data, a mail catcher and the outbox sender
#   make test   run every test (browser tests too when Chromium is installed)
#   make fuzz   the property-based bad-input tests with 10,000 examples (prints the count)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app accessreq
# Rebuilt whenever pyproject.toml changes.
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test test-fast test-browser test-production fuzz venv .venv node-deps clean \
	translations-extract translations-update translations-compile translations-new

venv .venv: $(STAMP) .env

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# This checkout's development settings, read by every `flask` command run here (Flask loads
# .env through python-dotenv): debug mode and a random SECRET_KEY of its own. Written once and
# kept (sessions and queued mail stay readable across restarts); git-ignored, so it is never
# committed and a production checkout never has one. Production sets FLASK_SKIP_DOTENV=1.
.env:
	@umask 077 && { \
	  echo "# Development settings for this checkout, written by make (see the Makefile)."; \
	  echo "# Never commit this file or copy it to a server."; \
	  echo "FLASK_DEBUG=1"; \
	  echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))')"; \
	} > $@.tmp && mv $@.tmp $@
	@echo "Wrote .env (development settings for the flask command in this checkout)."

run: export FLASK_DEBUG ?= 1
# Links in the demo's emails point at the port the app will listen on.
run: export BASE_URL ?= http://127.0.0.1:$(or $(PORT),5000)
run: $(STAMP) .env
	$(FLASK) db upgrade
	$(FLASK) demo
	$(BIN)/python -m accessreq.dev

# axe-core for the browser tests comes from npm, pinned in package-lock.json.
node-deps:
	@if [ -f package.json ] && [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi

test: $(STAMP) node-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/pytest -m "not browser and not production and not slow" $(PYTEST_ARGS)

test-browser: $(STAMP) node-deps
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# The service as deployed: nginx with TLS, two gunicorn workers, the sender, JSON logs.
test-production: $(STAMP) node-deps
	$(BIN)/pytest -m production $(PYTEST_ARGS)

# tests/property with the "fuzz" profile (tests/property/conftest.py): 10,000 examples in all;
# the summary at the end gives the examples run and the responses by class (5xx must be 0).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/property -q $(PYTEST_ARGS)

# Translations (accessreq/translations, gettext via Flask-Babel; see the README's "Languages").
#   translations-extract  write messages.pot from the code and templates (babel.cfg says where)
#   translations-update   merge new text into every language's messages.po (it comes in empty)
#   translations-compile  build the .mo files (the app also builds stale ones when it starts)
#   translations-new LANG=fr   start a new language
CATALOGUES := $(BIN)/python -m accessreq.i18n.catalogues

translations-extract: $(STAMP)
	$(CATALOGUES) extract

translations-update: $(STAMP)
	$(CATALOGUES) update

translations-compile: $(STAMP)
	$(CATALOGUES) compile

translations-new: $(STAMP)
	$(CATALOGUES) new $(LANG)

clean:
	rm -rf $(VENV) node_modules .pytest_cache test-artifacts
