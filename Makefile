# The two commands of the README:
#   make site   installs pvreport and builds the example report into site/
#   make test   installs everything the tests need (Python, Chromium, npm packages) and runs them all
# .ci/run runs `make test`.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true
export PUPPETEER_SKIP_DOWNLOAD := true
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# apt-get needs root: CI and this project's machines run as root; elsewhere (GitHub's runners) sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: site test install install-python install-pango install-browser serve validate golden clean catalogues

site: install-python
	$(BIN)/pvreport build

serve: install-python
	$(BIN)/pvreport serve

# make validate ARGS="--format github"   (ARGS are passed to pvreport validate)
validate: install-python
	$(BIN)/pvreport validate $(ARGS)

# The tests run on every core (pytest-xdist; TEST_WORKERS=0 runs them in one process); those that
# read one built site share a worker, so each site is built once (tests/conftest.py). PYTEST_ARGS
# are passed to pytest as they are: make test PYTEST_ARGS="-x -k archive".
TEST_WORKERS ?= auto

test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

install: install-python install-browser

install-python: install-pango $(VENV)/.installed

# WeasyPrint (the PDF of the whole statement) draws text with Pango; DejaVu has every Welsh letter
# (ŵ, ŷ) and is the font the PDF embeds. Debian's packages, installed only where missing.
install-pango:
	@dpkg -s libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; }

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Debian's Chromium and a Java runtime (for the Nu HTML checker), then the npm packages pinned by
# package-lock.json. Nothing downloads a browser of its own: install scripts are off (puppeteer's
# would fetch Chrome, vnu-jar's a Java runtime; the checks use Debian's Chromium and Java).
install-browser: node_modules/.installed
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@command -v java >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq default-jre-headless; }

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

golden: install-python
	$(BIN)/pytest tests/test_render.py --update-golden

clean:
	rm -rf build site .pytest_cache

# The message catalogues (README, "Languages"): extract every message of the code and templates
# (babel.cfg) into pvreport/locale/pvreport.pot, then add the new ones to each language's .po
# (as fuzzy guesses or empty, for a translator) and drop those gone. tests/test_catalogues.py fails
# until every catalogue holds exactly the messages of the code, the Welsh one all translated.
catalogues: install-python
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -w 100 --project=pvreport \
	  --version=1.1 --copyright-holder=pvreport -c TRANSLATORS: -o pvreport/locale/pvreport.pot .
	$(BIN)/pybabel update -i pvreport/locale/pvreport.pot -d pvreport/locale -D pvreport -w 100 \
	  --ignore-obsolete
