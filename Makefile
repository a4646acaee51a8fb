# The README's two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := tests/oidc/node_modules/.installed
AXE_STAMP := tests/browser/node_modules/.installed
export FLASK_APP := wsgi

.PHONY: run test fuzz install lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# oidc-provider (npm) is the real OpenID provider the login tests run against.
$(NODE_STAMP): tests/oidc/package.json tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
	touch $@

# axe-core (npm), injected by Playwright into every page of tests/browser/test_accessibility.py.
$(AXE_STAMP): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages: WeasyPrint's Pango and the CJK fonts for the PDFs (make run and the tests),
# Debian's chromium for the browser tests (Playwright drives it by path). Installed when missing.
PDF_DEBS := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_DEBS := chromium $(PDF_DEBS)
APT = dpkg -s $(1) >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1) >/dev/null; }

.PHONY: pdf-debs test-debs
pdf-debs:
	@$(call APT,$(PDF_DEBS)) || echo "warning: could not install $(PDF_DEBS); PDF documents will not render"

test-debs:
	@$(call APT,$(TEST_DEBS))

install: $(STAMP)

run: $(STAMP) pdf-debs
	PORTAL_DEV_MODE=1 $(BIN)/flask db upgrade
	PORTAL_DEV_MODE=1 $(BIN)/flask seed
	PORTAL_DEV_MODE=1 $(BIN)/flask demo-data
	PORTAL_DEV_MODE=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(STAMP) $(NODE_STAMP) $(AXE_STAMP) test-debs
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# `make test` includes a bounded schemathesis run (tests/web/test_schemathesis.py, a few
# examples per operation); this is the deeper one, on both backends.
fuzz: $(STAMP)
	SCHEMATHESIS_EXAMPLES=$${SCHEMATHESIS_EXAMPLES:-200} $(BIN)/python -m pytest tests/web/test_schemathesis.py -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) tests/oidc/node_modules tests/browser/node_modules instance .pytest_cache
