# entra.pim: one command for each thing a developer or CI does.
#   make demo   scan the emulated tenants, apply the baseline, scan again (demo/run_demo.py)
#   make test   everything CI runs: lint, unit, emulator, integration, module examples, AWX, browser, molecule,
#               reliability, sanity, build + import check
#   make bench  Graph requests, time and memory against the emulator
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

# Python >= 3.12 (ansible-core 2.21's controller minimum) with venv/ensurepip: PYTHON=... if given, else
# .ci/find-python looks on PATH and in pyenv's versions, and says what to install when nothing fits.
PYTHON ?= $(shell .ci/find-python)
VENV := .venv
BIN := $(VENV)/bin
BUILD := .build
COLL := $(BUILD)/collections/ansible_collections/entra/pim
STAMP := $(VENV)/.installed
# Every emulator a target starts (tests, demo, bench) checks each Graph answer and request body against Microsoft's
# published schema and logs what it finds here (issue 13); `make conformance` sums the logs and fails on any
# violation that emulator/pim_emulator/conformance_allow.json does not cite. Absolute: emulators run in other dirs.
export PIM_EMULATOR_CONFORMANCE_LOG ?= $(CURDIR)/$(BUILD)/conformance

.PHONY: help venv lint doc-fragments ruff ansible-lint unit emulator-test integration examples awx-test browser-test molecule reliability sanity build import-check conformance conformance-reset test demo bench clean live-check live-check-selftest

help:
	@echo "make demo | make test | make bench | make lint | make unit | make emulator-test | make integration | make examples | make sanity | make build | make conformance"

$(STAMP): requirements.txt requirements-dev.txt emulator/pyproject.toml
	@test -n "$(PYTHON)" || .ci/find-python --explain
	@.ci/find-python --check "$(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt -e ./emulator
	touch $@

venv: $(STAMP)

# ansible finds entra.pim through a symlink to this tree, made by the helper every harness uses. Phony, so a
# link left pointing at another clone is fixed, not trusted because it exists.
.PHONY: $(COLL)
$(COLL): | $(STAMP)
	@$(BIN)/python tests/collection_link.py

lint: ruff ansible-lint

# The settings doc fragment is generated (ansible-test reads fragments as literals, without running them).
doc-fragments: $(STAMP)
	$(BIN)/python hacking/policy_settings_source.py

ruff: $(STAMP)
	$(BIN)/ruff check --config ruff.toml .

# .ansible-lint sets offline: ansible-lint then finds entra.pim through the symlink below instead of
# copying the tree into a cache. VIRTUAL_ENV keeps its cache in the venv: otherwise it is ~/.ansible, whose
# collections ansible-lint puts first on the path, so a stale copy there would be linted instead of this tree.
# ANSIBLE_HOME too: the syntax check's ansible-playbook still searched ~/.ansible/collections, where an old
# installed entra.pim without the newest modules failed it with syntax-check[unknown-module].
# PATH as an activated venv has it (else ansible-lint warns "PATH altered ... broken local setup").
ansible-lint: $(STAMP) $(COLL)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH=$(CURDIR)/$(BIN):$$PATH ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/$(BUILD)/collections \
		ANSIBLE_HOME=$(CURDIR)/$(BUILD)/ansible-home \
		$(BIN)/ansible-lint --profile production

unit: $(STAMP) $(COLL)
	PYTHONPATH=$(CURDIR)/$(BUILD)/collections $(BIN)/python -m pytest -q tests/unit
	$(BIN)/python -m pytest -q bench/tests

emulator-test: $(STAMP)
	cd emulator && ../$(BIN)/python -m pytest -q tests

integration: $(STAMP) $(COLL)
	$(BIN)/python tests/integration/run.py $(TARGETS)

# Every module's EXAMPLES, as written, against a fresh default-seed emulator (one playbook per module).
examples: $(STAMP) $(COLL)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/examples

# The compliance scan through ansible-runner exactly as AWX runs it, and the EE definition.
awx-test: $(STAMP) $(COLL)
	PYTHONPATH=$(CURDIR)/$(BUILD)/collections $(BIN)/python -m pytest -q -p no:cacheprovider tests/awx

# The all-tenants HTML of 300 generated tenants in headless Chromium (from the distribution: apt-get install chromium;
# .ci/run installs it): it paints, the header row and tenant column stay visible while scrolled, it fits 1400 px.
browser-test: $(STAMP) $(COLL)
	PYTHONPATH=$(CURDIR)/$(BUILD)/collections $(BIN)/python -m pytest -q -p no:cacheprovider -rs tests/browser

# Faults, SIGKILL interruptions, check-mode purity, secrets, bad input, least privilege, TLS (issue 8).
# RELIABILITY_LONG=1 (what CI runs) adds interruptions, fault seeds and check-mode starting states.
reliability: $(STAMP) $(COLL)
	cd tests/reliability && RELIABILITY_LONG=$(RELIABILITY_LONG) ../../$(BIN)/python -m pytest -c pytest.ini -q

# Opt-in, never part of `make test`: the collection and the emulator against YOUR tenant (docs/emulator.md,
# "Proving the emulator against your tenant"). Skipped unless ENTRA_PIM_LIVE_TENANT_ID, _CLIENT_ID and
# _CLIENT_SECRET are set; writes only with ENTRA_PIM_LIVE_ROLE (and _TEST_USER). live-check-selftest runs it
# with an emulator standing in for the tenant.
live-check: $(STAMP) $(COLL)
	$(BIN)/python -m pytest -q -p no:cacheprovider -rs tests/live

live-check-selftest: $(STAMP) $(COLL)
	$(BIN)/python tests/live/against_emulator.py

# Molecule does not start services: the wrapper starts the emulator, then runs each scenario.
molecule: $(STAMP) $(COLL)
	$(BIN)/python extensions/molecule/run.py

# ansible-test needs the collection at a real .../ansible_collections/entra/pim path. The emulator
# and the bench are test tooling outside the collection artifact (galaxy.yml build_ignore).
# ansible-test downloads get-pip from a host we cannot reach; it accepts a copy in its cache.
PIP_VERSION = $(shell grep -hoE "pip='[0-9.]+'" $(VENV)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | grep -oE '[0-9.]+' | tr . _)
PIP_BOOTSTRAP = $(HOME)/.ansible/test/cache/get_pip_$(PIP_VERSION).py

# A fresh copy per run, so two runs (two developers' helpers, or a rerun) never share a tree. The get-pip copy
# in ~/.ansible is shared by every clone: written under a unique name and renamed (atomic), never half-written.
sanity: $(STAMP)
	mkdir -p $(dir $(PIP_BOOTSTRAP)) && cp tests/sanity/get_pip.py $(PIP_BOOTSTRAP).$$$$ && \
		mv -f $(PIP_BOOTSTRAP).$$$$ $(PIP_BOOTSTRAP)
	mkdir -p $(BUILD)
	root=$$(mktemp -d $(CURDIR)/$(BUILD)/sanity.XXXXXX) && dir=$$root/ansible_collections/entra/pim && \
	mkdir -p $$dir && \
	git ls-files -co --exclude-standard | grep -vE '^(emulator|bench)/' | \
		while read -r f; do [ -e "$$f" ] && echo "$$f"; done | tar -cf - -T - | tar -xf - -C $$dir && \
	cd $$dir && git init -q && git add -A && \
	{ $(CURDIR)/$(BIN)/ansible-test sanity --venv --python 3.12 --color no; rc=$$?; rm -rf $$root; exit $$rc; }

build: $(STAMP)
	rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist .

import-check: build
	test -x $(BUILD)/importer-venv/bin/python || { $(PYTHON) -m venv $(BUILD)/importer-venv && \
		$(BUILD)/importer-venv/bin/pip install -q galaxy-importer==0.4.44; }
	# ansible-doc and ansible-lint are found on PATH; without them the importer silently skips its checks.
	cd $(BUILD)/dist && PATH=$(CURDIR)/$(BUILD)/importer-venv/bin:$$PATH \
		$(CURDIR)/$(BUILD)/importer-venv/bin/python -m galaxy_importer.main entra-pim-*.tar.gz 2>&1 | tee importer.log
	! grep -qiE '^(ERROR|WARNING: (ansible-doc|ansible-lint) not found)' $(BUILD)/dist/importer.log

# What every emulator started since the last reset saw: "N answers and M requests checked, K violations".
conformance: $(STAMP)
	cd emulator && ../$(BIN)/python -m pim_emulator.conformance "$(PIM_EMULATOR_CONFORMANCE_LOG)"

conformance-reset:
	rm -rf "$(PIM_EMULATOR_CONFORMANCE_LOG)"

test: conformance-reset lint unit emulator-test integration examples awx-test browser-test molecule reliability sanity import-check conformance
	@echo "make test: all checks passed"

demo: $(STAMP) $(COLL)
	$(BIN)/python demo/run_demo.py

bench: $(STAMP) $(COLL)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) tests/output
