# atlas-publish: the commands writers and CI use. Every target sets up what it needs.
CONTENT ?= content
OUT     ?= build
CHAPTER ?=
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: setup pdf pdf-complete epub all check test lint clean ebook-check preview serve bench

setup: $(STAMP)

# The venv is (re)installed when pyproject.toml changes; system packages are checked each time
# (a quick dpkg query) so a fresh machine gets its fonts, poppler, qpdf and Java.
$(STAMP): pyproject.toml scripts/setup-system.sh
	@scripts/setup-system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

pdf: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format pdf

pdf-complete: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format complete

epub: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format epub

all: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format all

# OUT/site: the web edition (add SITE_FLAGS=--dist to publish and link the downloads first)
.PHONY: site
site: setup
	$(BIN)/atlas-publish site --content $(CONTENT) --out $(OUT) $(SITE_FLAGS)

# OUT/dist: the volumes under readers' names, SHA256SUMS, catalog.json, opds.xml, index.html
.PHONY: dist
dist: setup
	$(BIN)/atlas-publish dist --content $(CONTENT) --out $(OUT)

# The EPUBs, checked by EPUBCheck and by DAISY Ace (installed into .tools/ on first use).
# Build the PDFs first (make all) for the print page list: it comes from their layout.
ebook-check: all  # the PDFs first, so the EPUBs carry the print page list
	$(BIN)/python -m atlas_publish.validate $(OUT)/epub/volume-*.epub
	scripts/ace.sh $(OUT)/ace $(OUT)/epub/volume-*.epub

check: setup
	$(BIN)/atlas-publish check --content $(CONTENT)

# One chapter as PDF and HTML in $(OUT)/preview/, e.g. make preview CHAPTER=4.02
preview: setup
	@test -n "$(CHAPTER)" || { echo "usage: make preview CHAPTER=V.CC (e.g. CHAPTER=4.02)"; exit 2; }
	$(BIN)/atlas-publish preview $(CHAPTER) --content $(CONTENT) --out $(OUT)

# The handbook as HTML on http://127.0.0.1:$(PORT)/, reloading when a file is saved
PORT ?= 8000
serve: setup
	$(BIN)/atlas-publish serve --content $(CONTENT) --port $(PORT)

# Timings on a generated 700-article handbook (several minutes); installs pandoc to compare
bench: setup
	@command -v pandoc >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -q pandoc; \
	  else echo "pandoc is missing: sudo apt-get install pandoc (the comparison is skipped)"; fi; }
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/bench.py

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

test: setup
	@scripts/setup-system.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -q

clean:
	rm -rf $(OUT)
