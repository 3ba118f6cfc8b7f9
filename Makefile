# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run    creates .venv, installs the application, starts it
#   make test   creates .venv, installs the application with its test tools, runs every test
#   make lint   ruff over the code and the tests (complexity limit included; CI runs it beside make test)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DIST_VENV := .venv-dist

.PHONY: run test lint bench dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/spm-desktop

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check spm_desktop tests bench

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The Windows/Linux bundle (build.spec): built in a clean virtual environment that holds only
# the application, the PostgreSQL driver and PyInstaller, so nothing else lands in the bundle.
dist:
	rm -rf $(DIST_VENV) build/spm-desktop dist/spm-desktop
	$(PYTHON) -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/pip install --quiet --upgrade pip
	$(DIST_VENV)/bin/pip install --quiet '.[postgres,build]'
	$(DIST_VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN build.spec
	@echo "Bundle: dist/spm-desktop/ (self-test: dist/spm-desktop/spm-desktop --self-test)"

clean:
	rm -rf $(VENV) $(DIST_VENV) build dist .pytest_cache
