# Tapescope developer commands. `make run` and `make test` set everything up on first use:
# Debian packages (Graphviz, Qt's libraries), a .venv, and the project installed editable.

ROOT    := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
PYTHON  ?= python3
VENV    := $(ROOT)/.venv
BIN     := $(VENV)/bin

# Stamps: the set-up steps rerun only when their inputs change.
SYSTEM_STAMP  := $(VENV)/.system-deps
INSTALL_STAMP := $(VENV)/.installed
TF_STAMP      := $(VENV)/.tensorflow

# Qt without a screen; a private runtime dir keeps Qt from warning about /run/user.
RUNTIME_DIR := $(VENV)/xdg-runtime
QT_ENV      := QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$(RUNTIME_DIR)

# Benchmarks read the full MNIST / Fashion-MNIST from ../shared/data when it is there (else
# TAPESCOPE_DATA or the download); the test suite always uses the samples in tests/data.
SHARED_DATA    := $(abspath $(ROOT)/../shared/data)
TAPESCOPE_DATA ?= $(if $(wildcard $(SHARED_DATA)),$(SHARED_DATA))
ifneq ($(TAPESCOPE_DATA),)
export TAPESCOPE_DATA
endif

BENCHES := $(wildcard $(ROOT)/tests/benchmarks/bench_*.py)

.PHONY: all run test bench tensorflow screenshots lint lint-imports ruff setup system-deps venv clean help

all: test

help:
	@echo "make run      open the Tapescope window on the built-in demo"
	@echo "make test     set up, check import contracts and ruff, run the test suite"
	@echo "make bench    run every tests/benchmarks/bench_*.py"
	@echo "make screenshots  retake assets/screenshot-*.png under Xvfb"
	@echo "make lint     ruff check + import-linter contracts"
	@echo "make tensorflow  install the tensorflow backend's extra (make test tries it)"
	@echo "make setup    only install: Debian packages, .venv, Python dependencies"
	@echo "make clean    remove .venv and the set-up stamps"

setup: $(SYSTEM_STAMP) $(INSTALL_STAMP) $(RUNTIME_DIR)

system-deps: $(SYSTEM_STAMP)
venv: $(INSTALL_STAMP)

$(SYSTEM_STAMP): $(ROOT)/scripts/system-deps.sh
	@bash $(ROOT)/scripts/system-deps.sh $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALL_STAMP): $(ROOT)/pyproject.toml $(ROOT)/setup.py $(ROOT)/engine/_fpmode.c | $(BIN)/python
	$(BIN)/pip install -q -e '$(ROOT)[test]'
	@touch $@

# The tensorflow backend (tfdebug/, tests/tfbackend/) needs real TensorFlow: `make test`
# installs the extra when the network allows. Best effort: offline (or NO_TENSORFLOW=1) it
# says so in one line, those tests skip and the rest of the suite runs. TensorBoard (which
# tf.summary.scalar needs; tensorflow-cpu does not pull it in) likewise.
tensorflow: $(TF_STAMP)

$(TF_STAMP): $(INSTALL_STAMP)
	@if [ -n "$(NO_TENSORFLOW)" ]; then exit 0; fi; \
	if $(BIN)/pip install -q --retries 0 --timeout 15 -e '$(ROOT)[tensorflow]'; then \
		$(BIN)/pip install -q --retries 0 --timeout 15 tensorboard \
			|| echo "make: TensorBoard not installed: its tf.summary.scalar test will be skipped"; \
		touch $@; \
	else \
		echo "make: TensorFlow not installed (offline?): tests/tfbackend will be skipped"; \
	fi

$(RUNTIME_DIR): | $(BIN)/python
	@mkdir -p $@ && chmod 700 $@

run: setup
	cd $(ROOT) && $(BIN)/tapescope

lint-imports: $(INSTALL_STAMP)
	cd $(ROOT) && $(BIN)/lint-imports

ruff: $(INSTALL_STAMP)
	cd $(ROOT) && $(BIN)/ruff check .

lint: lint-imports ruff

test: setup tensorflow lint
	cd $(ROOT) && $(QT_ENV) $(BIN)/python -m pytest -q

screenshots: setup
	cd $(ROOT) && xvfb-run -a -s "-screen 0 1920x1200x24" $(BIN)/python scripts/screenshots.py

bench: setup
	@if [ -z "$(BENCHES)" ]; then echo "no benchmarks in tests/benchmarks"; exit 0; fi; \
	cd $(ROOT) && for f in $(BENCHES); do \
		echo "== $${f#$(ROOT)/}"; \
		$(QT_ENV) $(BIN)/python "$$f" || exit 1; \
	done

clean:
	rm -rf $(VENV)
