# atlas-publish: the commands writers and CI use. Every target sets up what it needs.
CONTENT ?= content
OUT     ?= build
CHAPTER ?=
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.DEFAULT_GOAL := help
.PHONY: help setup setup-test pdf pdf-complete epub all check test test-fast lint clean ebook-check preview serve bench proof print-ready

# this list: every target with the comment above it
help:
	@awk '/^# / { if (text == "") text = substr($$0, 3); next } \
	  /^$$/ { text = ""; next } \
	  /^[a-z][a-z-]*:/ && !/:=/ { sub(/:.*/, ""); if (text != "") printf "  make %-13s %s\n", $$0, text; text = "" }' \
	  $(MAKEFILE_LIST)
	@echo "  CONTENT=dir, OUT=dir, CHAPTER=V.CC and PORT=N override the defaults (content, build, -, 8000)"

# the venv with atlas-publish and what it builds with (fonts and Pango from apt when root)
setup: $(STAMP)

# The venv is (re)installed when pyproject.toml changes; pip prints a line per package.
$(STAMP): pyproject.toml scripts/setup-system.sh
	@scripts/setup-system.sh build
	@test -x $(BIN)/python || { echo "setup: creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "setup: installing atlas-publish and its dependencies into $(VENV)"
	$(BIN)/python -m pip install --upgrade --progress-bar off pip
	$(BIN)/python -m pip install --progress-bar off -e .
	@touch $(STAMP)

# setup, and the tests' tools: pytest, ruff, mypy, Playwright; poppler, qpdf, chromium, Java
setup-test: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP)
	@scripts/setup-system.sh test
	@echo "setup: installing the test and lint tools into $(VENV)"
	$(BIN)/python -m pip install --progress-bar off -e ".[test,lint]"
	@touch $(TEST_STAMP)

# nine PDFs in OUT/pdf/
pdf: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format pdf

# the printer's files: OUT/print-ready/volume-N.pdf (PDF/X-4) beside the reader's PDF/UA
print-ready: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format pdf --print-ready

# the proof gate on its own: every fault a proofreader would mark, in OUT/proof.txt (exit 1)
proof: setup
	$(BIN)/atlas-publish proof --content $(CONTENT) --out $(OUT)

# OUT/pdf/complete.pdf: every volume in one PDF
pdf-complete: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format complete

# nine EPUBs in OUT/epub/
epub: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format epub

# both editions
all: setup
	$(BIN)/atlas-publish build --content $(CONTENT) --out $(OUT) --format all

# OUT/site: the web edition (add SITE_FLAGS=--dist to publish and link the downloads first)
.PHONY: site
site: setup
	@case "$(SITE_FLAGS)" in *--dist*) scripts/setup-system.sh build check;; esac
	$(BIN)/atlas-publish site --content $(CONTENT) --out $(OUT) $(SITE_FLAGS)

# OUT/dist: the volumes under readers' names, SHA256SUMS, catalog.json, opds.xml, index.html
.PHONY: dist
dist: setup
	@scripts/setup-system.sh build check
	$(BIN)/atlas-publish dist --content $(CONTENT) --out $(OUT)

# the EPUBs, checked by EPUBCheck and by DAISY Ace (installed into .tools/ on first use)
# Build the PDFs first (make all) for the print page list: it comes from their layout.
ebook-check: all  # the PDFs first, so the EPUBs carry the print page list
	@scripts/setup-system.sh build check
	$(BIN)/python -m atlas_publish.validate $(OUT)/epub/volume-*.epub
	scripts/ace.sh $(OUT)/ace $(OUT)/epub/volume-*.epub

# validate the content; write nothing
check: setup
	$(BIN)/atlas-publish check --content $(CONTENT)

# one chapter as PDF and HTML in $(OUT)/preview/, e.g. make preview CHAPTER=4.02
preview: setup
	@test -n "$(CHAPTER)" || { echo "usage: make preview CHAPTER=V.CC (e.g. CHAPTER=4.02)"; exit 2; }
	$(BIN)/atlas-publish preview $(CHAPTER) --content $(CONTENT) --out $(OUT)

# the handbook as HTML on http://127.0.0.1:$(PORT)/, reloading when a file is saved
PORT ?= 8000
serve: setup
	$(BIN)/atlas-publish serve --content $(CONTENT) --port $(PORT) --out $(OUT)

# timings on a generated 700-article handbook (several minutes); installs pandoc to compare
bench: setup
	@command -v pandoc >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -q pandoc; \
	  else echo "pandoc is missing: sudo apt-get install pandoc (the comparison is skipped)"; fi; }
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/bench.py

# ruff (lint and format) and strict mypy
lint: setup-test
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

# lint and the whole test suite, as CI runs it (several minutes)
test: setup-test
	@scripts/setup-system.sh test
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -q

# the tests not marked slow (no sample handbook builds, no 700-article EPUBCheck): about a minute
test-fast: setup-test
	$(BIN)/pytest -q -m "not slow"

# remove OUT
clean:
	rm -rf $(OUT)
